public import Foundation

/// When a usage or rate limit ends, read from the text a CLI prints: a clock time (`resets 3pm`, `resets 3:30 pm
/// (Europe/Paris)`, `resets 15:00`), a timestamp (`resets 2026-12-06T21:00:00Z`) or a wait (`try again in 20s`,
/// `in 1m30s`, `in 5 minutes`, `in 6ms`).
public enum ResetTime {
    /// The time after the first `marker` in `text` (case-insensitive); nil when none can be read.
    public static func parse(after marker: String, in text: String, now: Date = Date()) -> Date? {
        guard let range = text.range(of: marker, options: .caseInsensitive) else { return nil }
        var rest = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
        if rest.lowercased().hasPrefix("at ") { rest = String(rest.dropFirst(3)) }
        if rest.lowercased().hasPrefix("in ") { return wait(String(rest.dropFirst(3))).map { now + $0 } }
        if let seconds = wait(rest) { return now + seconds }
        if let date = timestamp(rest) { return date }
        return clock(rest, now: now)
    }

    /// `20s`, `1m30s`, `2h`, `6ms`, `5 minutes`, `1 hour`.
    static func wait(_ text: String) -> TimeInterval? {
        let units: [(String, Double)] = [
            ("ms", 0.001), ("milliseconds", 0.001), ("millisecond", 0.001), ("seconds", 1), ("second", 1),
            ("secs", 1), ("sec", 1), ("s", 1), ("minutes", 60), ("minute", 60), ("mins", 60), ("min", 60), ("m", 60),
            ("hours", 3_600), ("hour", 3_600), ("h", 3_600),
        ]
        var total = 0.0
        var found = false
        var scanner = Substring(text)
        while true {
            scanner = scanner.drop { $0 == " " }
            let number = scanner.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { break }
            scanner = scanner.dropFirst(number.count).drop { $0 == " " }
            guard let (unit, factor) = units.first(where: { scanner.lowercased().hasPrefix($0.0) }) else { break }
            let after = scanner.dropFirst(unit.count)
            // `5 minutes` must not read as `5 m` + `inutes`.
            if let next = after.first, next.isLetter { break }
            total += value * factor
            found = true
            scanner = after
        }
        return found ? total : nil
    }

    static func timestamp(_ text: String) -> Date? {
        let word = text.prefix { !$0.isWhitespace && $0 != "," && $0 != ")" && $0 != "(" }
        guard word.count >= 20 else { return nil }
        return try? Date(String(word), strategy: .iso8601)
    }

    /// `3pm`, `3:30pm`, `3:30 pm`, `15:00`, optionally after a day (`Dec 8, 12:13am`, `Dec 8, 2027, 1am`) and
    /// followed by `(Area/City)`: the next such time after `now` (on that day when one is named).
    static func clock(_ text: String, now: Date) -> Date? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        var text = text
        var day: (month: Int, day: Int, year: Int?)?
        let datePattern = #"^([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?, "#
        if let regex = try? NSRegularExpression(pattern: datePattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let monthRange = Range(match.range(at: 1), in: text), let dayRange = Range(match.range(at: 2), in: text),
            let month = months.firstIndex(of: text[monthRange].lowercased()), let number = Int(text[dayRange]),
            let all = Range(match.range, in: text)
        {
            let year = Range(match.range(at: 3), in: text).flatMap { Int(text[$0]) }
            day = (month + 1, number, year)
            text = String(text[all.upperBound...])
        }
        let pattern = #"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:\s*\(([A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*)\))?"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        func group(_ index: Int) -> String? {
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
        guard var hour = group(1).flatMap(Int.init) else { return nil }
        let minute = group(2).flatMap(Int.init) ?? 0
        let meridiem = group(3)?.lowercased()
        // A bare number without minutes or am/pm is not a clock time.
        guard meridiem != nil || group(2) != nil else { return nil }
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == "pm" ? 12 : 0)
        }
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = group(4).flatMap(TimeZone.init(identifier:)) ?? .current
        var components = calendar.dateComponents([.year, .month, .day], from: now)
        if let day {
            components.month = day.month
            components.day = day.day
            if let year = day.year { components.year = year }
        }
        components.hour = hour
        components.minute = minute
        guard var date = calendar.date(from: components) else { return nil }
        if date <= now {
            // A named day in the past is next year's (unless the year was named); a bare time is tomorrow's.
            let step: Calendar.Component = day == nil ? .day : .year
            if day?.year == nil { date = calendar.date(byAdding: step, value: 1, to: date) ?? date }
        }
        return date
    }
}
