using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Runtime.Tests;

/// <summary>Component settings as defaults for the steps a component runs, and their precedence.</summary>
public sealed class StepDefaultsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("stepoperator-defaults-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly StepDefinition Train = new("Train", StepPlacement.Modal, "Steps.Train", new StepSettings { Gpu = "T4", Memory = "32GB" });
    private static readonly StepDefinition Prepare = new("Prepare", StepPlacement.Orchestrator, "Steps.Prepare", new StepSettings());
    private static readonly StepDefinition Big = new("Big", StepPlacement.Modal, "Steps.Big", new StepSettings { Gpu = "A10" });

    /// <summary>A configuration with a Modal step operator 'gpu' and a local orchestrator, each with defaults, in a stack 'gpu-stack'.</summary>
    private StackConfiguration Configuration(string stepOperatorSettings, string steps = "{}")
    {
        var file = Path.Combine(_directory, "config.json");
        File.WriteAllText(file, $$"""
            {
              "StepOperators": { "gpu": { "Flavor": "modal", {{stepOperatorSettings}} } },
              "Orchestrators": { "local": { "Timeout": "100" } },
              "Stacks": { "gpu-stack": { "Orchestrator": "local", "StepOperator": "gpu", "ArtifactStore": "local" } },
              "Steps": {{steps}}
            }
            """);
        return StackConfiguration.Load(file, _directory);
    }

    private static EffectiveStepSettings Effective(StackConfiguration configuration, params string[] sets)
    {
        var stack = configuration.FindStack("gpu-stack")!;
        var defaults = StepDefaults.ForStack(stack, configuration);
        Assert.Empty(defaults.Problems);
        return StepOverrides.From(configuration.StepOverrides, sets).Apply([Train, Prepare], defaults);
    }

    [Fact]
    public void A_step_gets_the_defaults_it_does_not_set_and_set_configuration_and_the_attribute_win()
    {
        var configuration = Configuration("""
            "Gpu": "A100", "GpuCount": "2", "Timeout": "3600", "Memory": "16GB", "CpuCount": "4", "ModalEnvironment": "prod"
            """, """{ "Train": { "Timeout": "1200", "CpuCount": "1" } }""");

        var effective = Effective(configuration, "Train.Memory=64GB", "Train.CpuCount=3");

        Assert.Empty(effective.Problems);
        var train = effective.Settings["Train"];
        Assert.Equal("T4", train.Gpu);                 // the attribute beats the step operator's default
        Assert.Equal(2, train.GpuCount);               // not set by the step: the default
        Assert.Equal("64GB", train.Memory);            // --set beats the attribute
        Assert.Equal(1200, train.Timeout);             // configuration Steps:Train beats the default
        Assert.Equal(3, train.CpuCount);               // --set beats configuration Steps:Train
        Assert.Equal("prod", train.ModalEnvironment);
        Assert.Equal(["GpuCount = 2", "ModalEnvironment = \"prod\""], effective.Defaulted["Train"].Settings);
        Assert.Equal("step-operator 'gpu'", effective.Defaulted["Train"].Component);

        // A [Step] gets the orchestrator's defaults, never the step operator's.
        var prepare = effective.Settings["Prepare"];
        Assert.Equal(100, prepare.Timeout);
        Assert.Null(prepare.Gpu);
        Assert.Null(prepare.Memory);
        Assert.Equal(["Timeout = 100"], effective.Defaulted["Prepare"].Settings);
    }

    [Fact]
    public void Without_defaults_the_attribute_and_built_in_defaults_apply()
    {
        var effective = Effective(Configuration("\"TokenId\": \"ak-x\", \"TokenSecret\": \"as-x\""));

        Assert.Equal(Train.Settings, effective.Settings["Train"]);
        Assert.Equal(86_400, effective.Settings["Train"].EffectiveTimeout);
        Assert.False(effective.Defaulted.ContainsKey("Train"));
    }

    [Fact]
    public void An_empty_override_removes_the_steps_own_value_and_the_default_fills_it()
    {
        var effective = Effective(Configuration("\"Gpu\": \"A100\""), "Train.Gpu=");

        Assert.Equal("A100", effective.Settings["Train"].Gpu);
        Assert.Equal("A100", effective.Settings["Train"].ModalGpu);
    }

    [Fact]
    public void A_step_that_breaks_a_rule_only_with_the_defaults_is_reported_with_the_fix()
    {
        // Valid alone (8 H100s), but Big's own A10 attaches at most 4.
        var configuration = Configuration("\"Gpu\": \"H100\", \"GpuCount\": \"8\"");
        var stack = configuration.FindStack("gpu-stack")!;

        var effective = StepOverrides.From(configuration.StepOverrides, []).Apply([Big], StepDefaults.ForStack(stack, configuration));

        var problem = Assert.Single(effective.Problems);
        Assert.Equal(
            "Step 'Big' with the defaults of step-operator 'gpu' (GpuCount = 8): GpuCount = 8 is more than Modal attaches of A10 (at most 4 per container). " +
            "Use 4 or fewer, or split the work across steps. (SOP005) Set GpuCount on the step (or --set Big.GpuCount=...), or change the default: " +
            "dotnet run -- step-operator update gpu --gpu_count=...", problem);
    }

    [Fact]
    public void An_override_is_checked_together_with_the_defaults()
    {
        // GpuCount without a Gpu type is valid when the step operator gives the type.
        var effective = Effective(Configuration("\"Gpu\": \"A100\""), "Train.Gpu=", "Train.GpuCount=4");
        Assert.Empty(effective.Problems);
        Assert.Equal("A100:4", effective.Settings["Train"].ModalGpu);
    }

    [Fact]
    public void Defaults_stored_without_registration_that_break_the_rules_stop_the_run_with_the_fix()
    {
        var configuration = Configuration("\"Gpu\": \"A10\", \"GpuCount\": \"5\", \"Timeout\": \"1h\"");

        var defaults = StepDefaults.ForStack(configuration.FindStack("gpu-stack")!, configuration);

        Assert.Contains(
            "step-operator 'gpu' (flavor modal) has a step default that is not valid: --gpu_count=5: GpuCount = 5 is more than Modal attaches of A10 (at most 4 per container). Use 4 or fewer, or split the work across steps. (SOP005) " +
            "Fix it: dotnet run -- step-operator update gpu --gpu_count=... (an empty value removes it).", defaults.Problems);
        Assert.Contains(
            "step-operator 'gpu' (flavor modal) has a step default that is not valid: --timeout=1h: Timeout must be a whole number. " +
            "Fix it: dotnet run -- step-operator update gpu --timeout=... (an empty value removes it).", defaults.Problems);
        var effective = StepOverrides.From(configuration.StepOverrides, []).Apply([Train], defaults);
        Assert.Equal(Train.Settings, effective.Settings["Train"]);
    }

    [Fact]
    public void Each_flavor_takes_the_defaults_it_can_honour()
    {
        Assert.Equal(["Gpu", "GpuCount", "CpuCount", "Memory", "CpuLimit", "MemoryLimit", "Timeout", "Region", "Cloud", "ModalEnvironment"], StepDefaults.SettingsOf(ComponentType.StepOperator, "modal"));
        Assert.Equal(["Gpu", "GpuCount", "CpuCount", "Memory", "CpuLimit", "MemoryLimit", "Timeout"], StepDefaults.SettingsOf(ComponentType.StepOperator, "docker"));
        Assert.Equal(["Gpu", "GpuCount", "CpuCount", "Memory", "CpuLimit", "MemoryLimit", "Timeout"], StepDefaults.SettingsOf(ComponentType.Orchestrator, "docker"));
        Assert.Equal(["Timeout"], StepDefaults.SettingsOf(ComponentType.Orchestrator, "local"));
        Assert.Empty(StepDefaults.SettingsOf(ComponentType.ArtifactStore, "local"));

        var local = new ComponentDefinition("cpu", ComponentType.StepOperator, "local", new Dictionary<string, string> { ["CpuCount"] = "2", ["Timeout"] = "60" });
        Assert.Equal(
            "--cpu_count: not a setting that step-operator flavor 'local' can use. It takes: standby; defaults for its steps: timeout.",
            FlavorSettings.Unknown(local));
        var store = new ComponentDefinition("s", ComponentType.ArtifactStore, "s3", new Dictionary<string, string> { ["Bucket"] = "b", ["Timeout"] = "60" });
        Assert.Equal(
            "--timeout: not a setting that artifact-store flavor 's3' can use. It takes: bucket, prefix, endpoint, region, path_style, access_key_id, secret_access_key.",
            FlavorSettings.Unknown(store));
        Assert.Null(FlavorSettings.Unknown(local with { Settings = new Dictionary<string, string> { ["Standby"] = "false", ["Timeout"] = "60" } }));
    }
}
