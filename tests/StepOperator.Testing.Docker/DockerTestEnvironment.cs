using Docker.DotNet;

namespace StepOperator.Testing;

/// <summary>
/// Whether this machine can run the Docker tests. Outside CI a test whose needs are missing is
/// skipped with a reason that names them and how to get them; in CI (CI=true) no test is skipped
/// for that: it runs, and a missing engine or registry fails it.
/// </summary>
public static class DockerTestEnvironment
{
    /// <summary>The local .NET runtime image every Docker test builds on (eng/docker/build-base-image.sh).</summary>
    public const string BaseImage = "stepoperator/dotnet-runtime:10.0";

    /// <summary>
    /// Asked only outside CI, where the engine socket exists and debootstrap does not: does the engine
    /// lack the base image? First in the class: static fields initialize in the order written, and the
    /// skip reasons below use it.
    /// </summary>
    private static readonly Lazy<bool> s_baseImageNeedsBuilding = new(() =>
    {
        try
        {
            using var client = DockerTestEngine.CreateClient();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            client.Images.InspectImageAsync(BaseImage, limit.Token).GetAwaiter().GetResult();
            return false;
        }
        catch (DockerImageNotFoundException)
        {
            return true;
        }
        catch (Exception)
        {
            return false; // An engine that does not answer fails the test with its own reason (DockerTestEngine.ConnectAsync).
        }
    });

    /// <summary>What eng/docker/start-registry.sh runs: Debian's registry and htpasswd for its password file.</summary>
    public static IReadOnlyList<string> RegistryTools { get; } = ["docker-registry", "htpasswd"];

    public static bool InCi { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The engine socket DOCKER_HOST names (default /var/run/docker.sock); null for an engine that is not a Unix socket.</summary>
    public static string? EngineSocket { get; } = FindEngineSocket();

    /// <summary>Why tests that need the engine and the base image cannot run here; null when they can, and always in CI.</summary>
    public static string? EngineSkipReason { get; } = SkipReason([]);

    /// <summary>As <see cref="EngineSkipReason"/>, for tests that also need a registry with htpasswd auth.</summary>
    public static string? RegistrySkipReason { get; } = SkipReason(RegistryTools);

    /// <summary>
    /// Why tests that need the engine, the base image and <paramref name="tools"/> (on PATH, or in
    /// /usr/sbin or /sbin) cannot run here, with <paramref name="purpose"/> (what each is for) in the
    /// reason; null when they can, and always null in CI.
    /// </summary>
    public static string? SkipReason(IEnumerable<string> tools, string? purpose = null)
    {
        if (InCi)
        {
            return null; // In CI whatever is missing must fail the test, not skip it.
        }

        var missing = new List<string>();
        if (EngineSocket is not null && !File.Exists(EngineSocket))
        {
            missing.Add($"a Docker engine ({EngineSocket} does not exist)");
        }
        else if (!OnPath("debootstrap") && s_baseImageNeedsBuilding.Value)
        {
            missing.Add($"debootstrap (the engine has no {BaseImage}, and eng/docker/build-base-image.sh builds it with debootstrap)");
        }

        missing.AddRange(tools.Where(tool => !OnPath(tool)));
        return missing.Count == 0
            ? null
            : $"These Docker tests need {string.Join(", ", missing)}{(purpose is null ? string.Empty : $" ({purpose})")}; " +
              ".ci/run installs and starts them (with CI=true these tests fail instead of skipping).";
    }

    private static string? FindEngineSocket()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrEmpty(host) ? "/var/run/docker.sock"
            : host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..]
            : null;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, tool)));
}
