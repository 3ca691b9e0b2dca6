import Foundation

/// Percentiles and printing for the benchmarks.
public enum Figures {
    /// The value at `fraction` (0…1) of an ascending list; zero for an empty one.
    public static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
        guard !sorted.isEmpty else { return .zero }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Milliseconds with two decimals.
    public static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f", seconds(duration) * 1000)
    }

    /// Right-aligned in `width` columns, at least one space before.
    public static func pad(_ value: some CustomStringConvertible, _ width: Int) -> String {
        let text = value.description
        return String(repeating: " ", count: max(1, width - text.count)) + text
    }
}
