using Docker.DotNet.Models;
using StepOperator.Docker;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// What the end-to-end Docker tests share: the engine as the step operator connects to it, the local
/// .NET base image and a registry with htpasswd auth (the shared <see cref="TestRegistry"/>). The tests
/// use it through <see cref="RegistryFactAttribute"/>: skipped with the reason where an engine or the
/// registry's programs are missing, failed instead in CI (CI=true).
/// </summary>
public sealed class DockerEnvironment : IAsyncLifetime
{
    public const string BaseImage = DockerTestEnvironment.BaseImage;

    private TestRegistry? _registry;

    public DockerEngine Engine { get; private set; } = null!;

    public string Registry => RunningRegistry.Address;

    public string RegistryUser => RunningRegistry.User;

    public string RegistryPassword => RunningRegistry.Password;

    public static string RepositoryRoot => RepositoryPaths.Root;

    private TestRegistry RunningRegistry => _registry ?? throw new InvalidOperationException("No registry: the fixture did not start (the tests are skipped here).");

    public async Task InitializeAsync()
    {
        if (DockerTestEnvironment.RegistrySkipReason is not null)
        {
            return;
        }

        Engine = await DockerEngine.ConnectAsync(CancellationToken.None);
        await DockerTestEngine.EnsureBaseImageAsync();
        _registry = await TestRegistry.StartAsync(Engine.Client, "stepoperator-test");
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

    public Task<IList<ContainerListResponse>> ContainersOfRunAsync(string runId) =>
        Engine.Client.ContainersWithLabelAsync("io.stepoperator.run-id", runId);

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync(); // also removes the images the tests made under its address
        }

        Engine?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEnvironment>
{
    public const string Name = "Docker engine and registry";
}
