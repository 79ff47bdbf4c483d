using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Runtime.Tests;

/// <summary>Errors about a component's setting name the setting and the command that changes it.</summary>
public sealed class SettingErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("stepoperator-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private StackConfiguration Configuration(string json)
    {
        var file = Path.Combine(_directory, "config.json");
        File.WriteAllText(file, json);
        return StackConfiguration.Load(file, _directory);
    }

    [Fact]
    public void A_registered_docker_step_operator_with_an_unknown_gpu_policy_names_the_setting_and_its_update_command()
    {
        var configuration = Configuration("""
            {
              "StepOperators": { "boxes": { "Flavor": "docker", "Gpus": "maybe" } },
              "Stacks": { "boxed": { "Orchestrator": "local", "StepOperator": "boxes", "ArtifactStore": "local", "ImageBuilder": "docker" } }
            }
            """);

        var error = Assert.Throws<StackConfigurationException>(() =>
            StackFactory.Create(configuration.FindStack("boxed")!, configuration, _directory, new StackCreationOptions()));

        Assert.Contains("step-operator 'boxes' (flavor docker): gpus = 'maybe' is not a GPU policy", error.Message);
        Assert.Contains("dotnet run -- step-operator update boxes --gpus=ignore", error.Message);
    }
}
