using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>A Docker client for checking containers, and the local base image the sandboxes run.</summary>
public sealed class DockerFixture : IAsyncLifetime
{
    public DockerClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (TestEnvironment.DockerSkipReason is not null)
        {
            return;
        }

        Client = new DockerClientBuilder().Build();
        await Scripts.RunAsync("build-base-image.sh", TestEnvironment.BaseImage); // does nothing when the image exists
    }

    /// <summary>Containers (running or not) with <paramref name="label"/>=<paramref name="value"/>.</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync(string label, string value) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{label}={value}"] = true },
            },
        });

    public Task DisposeAsync()
    {
        Client?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Runs the repository's eng/docker scripts.</summary>
internal static class Scripts
{
    public static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryPaths.Combine("eng", "docker", script));
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
}
