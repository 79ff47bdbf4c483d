using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace StepOperator.Testing;

/// <summary>
/// The Docker engine the tests use (DOCKER_HOST, else /var/run/docker.sock, as the step operator
/// and the emulator connect) and the local base image on it.
/// </summary>
/// <remarks>
/// Not Testcontainers for .NET (4.17.0 measured on this machine's Debian Docker 20.10): it asks for
/// Docker API 1.44 where the engine answers at most 1.41 (DOCKER_API_VERSION=1.41 works around it),
/// and its resource reaper image testcontainers/ryuk cannot be pulled (TESTCONTAINERS_RYUK_DISABLED=true
/// turns it off). With both set it ran a container of the local base image; but it has nothing to
/// manage here: the containers under test are made by the code under test (the docker stack, the
/// Modal emulator), the base image is built by eng/docker/build-base-image.sh, and the registry is
/// Debian's docker-registry program on the host (<see cref="TestRegistry"/>), not a container, and no
/// registry image can be pulled.
/// </remarks>
public static class DockerTestEngine
{
    /// <summary>A client for the engine; it connects on first use.</summary>
    public static DockerClient CreateClient()
    {
        var builder = new DockerClientBuilder();
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host)
        {
            builder.WithEndpoint(new Uri(host));
        }

        return builder.Build();
    }

    /// <summary>A client for the engine, checked to answer; no engine is an error naming the fix.</summary>
    public static async Task<DockerClient> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var client = CreateClient();
        try
        {
            await client.System.PingAsync(cancellationToken);
            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            client.Dispose();
            var endpoint = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock";
            throw new InvalidOperationException(
                $"The Docker tests could not reach the Docker engine at {endpoint} ({e.Message}). Start one (bash eng/docker/start-dockerd.sh, " +
                "as .ci/run does) or set DOCKER_HOST to a running engine; with CI=true these tests fail instead of skipping.", e);
        }
    }

    /// <summary>Builds <see cref="DockerTestEnvironment.BaseImage"/> when the engine lacks it (eng/docker/build-base-image.sh).</summary>
    public static Task EnsureBaseImageAsync(CancellationToken cancellationToken = default) =>
        RunScriptAsync("build-base-image.sh", [DockerTestEnvironment.BaseImage], cancellationToken);

    /// <summary>Containers (running or not) with <paramref name="label"/>=<paramref name="value"/>.</summary>
    public static async Task<IList<ContainerListResponse>> ContainersWithLabelAsync(this DockerClient client, string label, string value) =>
        await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{label}={value}"] = true },
            },
        });

    /// <summary>Runs eng/docker/<paramref name="script"/> and returns what it printed; a failure carries its output.</summary>
    internal static async Task<string> RunScriptAsync(string script, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryPaths.Combine("eng", "docker", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/docker/{script} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }

        return await output;
    }
}
