namespace StepOperator.ModalConformance.Tests;

/// <summary>
/// A conformance test: needs Node.js with npm (Modal's JS SDK), a Docker engine (the emulator's
/// sandboxes) and docker-registry with htpasswd (the private registry). Where one is missing it is
/// skipped with the reason, except in CI (CI=true), where it runs and fails instead.
/// </summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute()
    {
        if (ConformanceEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>What this machine has for the conformance tests.</summary>
public static class ConformanceEnvironment
{
    public const string BaseImage = "stepoperator/dotnet-runtime:10.0";

    public static bool InCi { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>tests/modal-conformance: package.json, package-lock.json and conformance.mjs.</summary>
    public static string ScriptDirectory => RepositoryPaths.Combine("tests", "modal-conformance");

    public static string? SkipReason { get; } = FindSkipReason();

    private static string? FindSkipReason()
    {
        if (InCi)
        {
            return null; // In CI whatever is missing must fail the test, not skip it.
        }

        var missing = new List<string>();
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socket = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : null;
        if (socket is not null && !File.Exists(socket))
        {
            missing.Add($"a Docker engine ({socket} does not exist)");
        }

        missing.AddRange(new[] { "node", "npm", "docker-registry", "htpasswd" }.Where(tool => !OnPath(tool)));
        return missing.Count == 0
            ? null
            : $"The Modal JS SDK conformance test needs {string.Join(", ", missing)}: Node.js 20+ with npm runs Modal's JS SDK, " +
              "Docker runs the emulator's sandboxes, docker-registry and htpasswd serve the private image. .ci/run installs them " +
              "(with CI=true this test fails instead of skipping).";
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, tool)));
}
