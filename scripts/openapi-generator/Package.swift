// swift-tools-version:6.1
// The OpenAPI generator's command-line tool, pinned, for scripts/generate-openapi.sh. Not part of the main build:
// the generated code is committed (the generator and OpenAPIKit would add minutes to every clean build).
import PackageDescription

let package = Package(
    name: "openapi-generator-tool",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3")],
    targets: []
)
