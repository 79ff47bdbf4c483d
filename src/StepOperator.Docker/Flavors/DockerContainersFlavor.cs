using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Docker;

/// <summary>
/// The <c>docker</c> orchestrator and step operator: each step call in a container of the program's image on the local
/// Docker engine, with CpuCount and Memory as reservations, CpuLimit and MemoryLimit as limits and GPUs as a device request.
/// </summary>
public abstract class DockerContainersFlavor(ComponentType type) : StepOperatorFlavor(type)
{
    public const string FlavorName = "docker";

    private static readonly FlavorSetting Gpus = new("Gpus", "What to do with a step's GPU request: 'require' (the default; an engine without GPUs is an error) or 'ignore' (run without GPUs).")
    {
        Example = "ignore",
        Check = value => value.ToLowerInvariant() is "require" or "ignore" ? null : "is not a GPU policy ('require' or 'ignore')",
    };

    public override string Name => FlavorName;

    public override string Package => "StepOperator.Docker";

    public override string Description => Type == ComponentType.Orchestrator
        ? "Runs the pipeline's [Step] calls in containers of the program's image on this machine's Docker engine."
        : "Runs [ModalStep] calls in containers of the program's image on this machine's Docker engine, with their CPU, memory and GPU settings.";

    public override IReadOnlyList<FlavorSetting> Settings => Type == ComponentType.Orchestrator ? new[] { Gpus, MaxParallelSteps } : new[] { Gpus };

    public override IReadOnlyList<string> StepDefaults { get; } = new[]
    {
        nameof(StepSettings.Gpu), nameof(StepSettings.GpuCount), nameof(StepSettings.CpuCount), nameof(StepSettings.Memory),
        nameof(StepSettings.CpuLimit), nameof(StepSettings.MemoryLimit), nameof(StepSettings.Timeout),
    };

    public override IReadOnlyList<BuiltInComponent> BuiltIns => Type == ComponentType.Orchestrator
        ? new[] { new BuiltInComponent(FlavorName, ("Gpus", DockerStepOperatorOptions.GpusVariable), ("MaxParallelSteps", "STEPOPERATOR_MAX_PARALLEL_STEPS")) }
        : new[] { new BuiltInComponent(FlavorName, ("Gpus", DockerStepOperatorOptions.GpusVariable)) };

    /// <summary>The <c>docker</c> stack: docker orchestrator and step operator, local store, the environment's registry (if any), docker image builder.</summary>
    public override IEnumerable<StackDefinition> BuiltInStacks() => Type == ComponentType.Orchestrator
        ? new[]
        {
            new StackDefinition(FlavorName, FlavorName, StackConfiguration.LocalName, FlavorName,
                DefaultContainerRegistryFlavor.FromEnvironmentName(), DockerImageBuilderFlavor.FlavorName),
        }
        : Enumerable.Empty<StackDefinition>();

    public override IEnumerable<string> CheckStack(StackCheck stack, ComponentDefinition component) =>
        StackImages.CheckImageBuilder(stack);

    public override IStepOperator Create(ComponentDefinition component, StackBuild stack)
    {
        var image = StackImages.For(stack);
        return new DockerStepOperator(
            new DockerStepOperatorOptions(image.Request, GpuPolicy(component)) { SharedImage = image, IgnoreGpusFix = GpusFix(component, "ignore") },
            component.Name);
    }

    private static string GpusFix(ComponentDefinition component, string value) =>
        SettingFix(component, "gpus", value, DockerStepOperatorOptions.GpusVariable);

    private static DockerGpuPolicy GpuPolicy(ComponentDefinition component) => component.Get("Gpus")?.ToLowerInvariant() switch
    {
        null or "require" => DockerGpuPolicy.Require,
        "ignore" => DockerGpuPolicy.Ignore,
        var other => throw new StackConfigurationException(
            $"{component.Describe()}: gpus = '{other}' is not a GPU policy; use 'require' (the default) or 'ignore': " +
            (FlavorCatalog.IsBuiltIn(component.Type, component.Name)
                ? $"set {DockerStepOperatorOptions.GpusVariable}=require or ignore (the built-in {component.Type.CommandName()} '{component.Name}' reads it)."
                : $"{ProgramCommands.Prefix} {component.Type.CommandName()} update {component.Name} --gpus=ignore.")),
    };
}
