using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet.Models;
using StepOperator.Docker;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// A Docker test: runs when a Docker engine, docker-registry and htpasswd are here. Elsewhere it is
/// skipped with the reason, except in CI (CI=true), where a missing engine fails the test instead.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>As <see cref="DockerFactAttribute"/>, for a test with cases.</summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    public DockerTheoryAttribute()
    {
        if (DockerEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// What the Docker tests share: a connected engine, the local .NET base image
/// (eng/docker/build-base-image.sh) and a registry with htpasswd auth on a free loopback port.
/// </summary>
public sealed class DockerEnvironment : IAsyncLifetime
{
    public const string BaseImage = "stepoperator/dotnet-runtime:10.0";

    private string? _registryState;

    public static string? SkipReason { get; } = FindSkipReason();

    public DockerEngine Engine { get; private set; } = null!;

    public string Registry { get; private set; } = string.Empty;

    public string RegistryUser { get; } = "stepoperator-test";

    public string RegistryPassword { get; } = "pw-" + Guid.NewGuid().ToString("N");

    public static string RepositoryRoot => RepositoryPaths.Root;

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        Engine = await DockerEngine.ConnectAsync(CancellationToken.None);
        await RunScriptAsync("build-base-image.sh", BaseImage);

        _registryState = Directory.CreateTempSubdirectory("stepoperator-registry-").FullName;
        var port = FreePort();
        var address = (await RunScriptAsync("start-registry.sh", _registryState, RegistryUser, RegistryPassword, port.ToString())).Trim().Split('\n').Last();
        Registry = address;
    }

    /// <summary>The environment a program needs to run on the docker stack with this registry.</summary>
    public void Configure(TestProgram program, string gpus = "ignore")
    {
        program.Environment["STEPOPERATOR_REGISTRY"] = Registry;
        program.Environment["STEPOPERATOR_REGISTRY_USERNAME"] = RegistryUser;
        program.Environment["STEPOPERATOR_REGISTRY_PASSWORD"] = RegistryPassword;
        program.Environment["STEPOPERATOR_BASE_IMAGE"] = BaseImage;
        program.Environment["STEPOPERATOR_DOCKER_GPUS"] = gpus;
    }

    public async Task<IList<ContainerListResponse>> ContainersOfRunAsync(string runId) =>
        await Engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"io.stepoperator.run-id={runId}"] = true },
            },
        });

    public async Task DisposeAsync()
    {
        if (_registryState is not null)
        {
            var pidFile = Path.Combine(_registryState, "registry.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                try
                {
                    using var registry = Process.GetProcessById(pid);
                    registry.Kill();
                    await registry.WaitForExitAsync();
                }
                catch (ArgumentException)
                {
                }
            }

            // Images this registry's tests made: not worth keeping on the engine.
            if (Engine is not null)
            {
                foreach (var image in await Engine.Client.Images.ListImagesAsync(new ImagesListParameters { All = true }))
                {
                    if (image.RepoTags?.Any(t => t.StartsWith(Registry + "/", StringComparison.Ordinal)) == true)
                    {
                        try
                        {
                            await Engine.Client.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true });
                        }
                        catch (global::Docker.DotNet.DockerApiException)
                        {
                        }
                    }
                }
            }

            Directory.Delete(_registryState, recursive: true);
        }

        Engine?.Dispose();
    }

    private static async Task<string> RunScriptAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "eng", "docker", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/docker/{script} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }

        return await output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindSkipReason()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null; // In CI a missing engine must fail, not skip.
        }

        var missing = new List<string>();
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socket = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : null;
        if (socket is not null && !File.Exists(socket))
        {
            missing.Add($"a Docker engine ({socket} does not exist)");
        }

        foreach (var tool in new[] { "docker-registry", "htpasswd", "debootstrap" })
        {
            if (!OnPath(tool))
            {
                missing.Add(tool);
            }
        }

        return missing.Count == 0
            ? null
            : $"Docker tests need {string.Join(", ", missing)}; .ci/run installs and starts them (with CI=true these tests fail instead of skipping).";
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Concat(new[] { "/usr/sbin", "/sbin" })
            .Any(directory => File.Exists(Path.Combine(directory, tool)));
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEnvironment>
{
    public const string Name = "Docker engine and registry";
}
