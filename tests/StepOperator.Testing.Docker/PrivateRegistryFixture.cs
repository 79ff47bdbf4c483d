using Docker.DotNet;

namespace StepOperator.Testing;

/// <summary>
/// A class fixture for <see cref="RegistryFactAttribute"/> tests: a <see cref="TestRegistry"/> holding a
/// private image (the base image pushed under a fresh tag, then untagged locally, so that importing it
/// has to pull with the credentials). Does nothing where those tests are skipped.
/// </summary>
public sealed class PrivateRegistryFixture : IAsyncLifetime
{
    private DockerClient? _client;
    private TestRegistry? _registry;

    /// <summary>"127.0.0.1:PORT".</summary>
    public string Address => Registry.Address;

    public string User => Registry.User;

    public string Password => Registry.Password;

    /// <summary>The pushed image, "127.0.0.1:PORT/stepoperator-test/runtime:TAG".</summary>
    public string PrivateImage { get; private set; } = string.Empty;

    private TestRegistry Registry => _registry ?? throw new InvalidOperationException("No registry: the fixture did not start (the tests are skipped here).");

    public async Task InitializeAsync()
    {
        if (DockerTestEnvironment.RegistrySkipReason is not null)
        {
            return;
        }

        _client = await DockerTestEngine.ConnectAsync();
        await DockerTestEngine.EnsureBaseImageAsync(); // does nothing when the image exists
        _registry = await TestRegistry.StartAsync(_client, "stepoperator-test");
        PrivateImage = await _registry.PushPrivateImageAsync("stepoperator-test/runtime");
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        _client?.Dispose();
    }
}
