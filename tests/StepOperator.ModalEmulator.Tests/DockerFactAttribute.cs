namespace StepOperator.ModalEmulator.Tests;

/// <summary>
/// A test that needs a Docker engine: skipped with the reason where there is none, except in CI
/// (CI=true), where it runs and fails instead.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (TestEnvironment.DockerSkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A test that also needs a registry with htpasswd auth (docker-registry and htpasswd); skipped or failed like <see cref="DockerFactAttribute"/>.</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (TestEnvironment.RegistrySkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>What this machine has for the Docker tests.</summary>
public static class TestEnvironment
{
    public const string BaseImage = "stepoperator/dotnet-runtime:10.0";

    public static bool InCi { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? DockerSkipReason { get; } = FindDockerSkipReason();

    public static string? RegistrySkipReason { get; } = DockerSkipReason ?? FindRegistrySkipReason();

    private static string? FindDockerSkipReason()
    {
        if (InCi)
        {
            return null; // In CI a missing engine must fail, not skip.
        }

        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socket = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : null;
        return socket is not null && !File.Exists(socket)
            ? $"The emulator's Docker tests need a Docker engine ({socket} does not exist); .ci/run installs and starts one (with CI=true these tests fail instead of skipping)."
            : null;
    }

    private static string? FindRegistrySkipReason()
    {
        if (InCi)
        {
            return null;
        }

        var missing = new[] { "docker-registry", "htpasswd" }.Where(tool => !OnPath(tool)).ToArray();
        return missing.Length == 0
            ? null
            : $"The emulator's registry tests need {string.Join(" and ", missing)}; .ci/run installs them (with CI=true these tests fail instead of skipping).";
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(directory => File.Exists(Path.Combine(directory, tool)));
}
