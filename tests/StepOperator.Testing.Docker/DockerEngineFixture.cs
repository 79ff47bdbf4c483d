using Docker.DotNet;
using Docker.DotNet.Models;

namespace StepOperator.Testing;

/// <summary>
/// A class fixture for <see cref="DockerFactAttribute"/> tests: a connected engine client for checking
/// containers, and the base image on the engine. Does nothing where those tests are skipped.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    private DockerClient? _client;

    public DockerClient Client => _client ?? throw new InvalidOperationException("No Docker engine: the fixture did not start (the tests are skipped here).");

    public async Task InitializeAsync()
    {
        if (DockerTestEnvironment.EngineSkipReason is not null)
        {
            return;
        }

        _client = await DockerTestEngine.ConnectAsync();
        await DockerTestEngine.EnsureBaseImageAsync(); // does nothing when the image exists
    }

    /// <summary>Containers (running or not) with <paramref name="label"/>=<paramref name="value"/>.</summary>
    public Task<IList<ContainerListResponse>> ContainersAsync(string label, string value) => Client.ContainersWithLabelAsync(label, value);

    public Task DisposeAsync()
    {
        _client?.Dispose();
        return Task.CompletedTask;
    }
}
