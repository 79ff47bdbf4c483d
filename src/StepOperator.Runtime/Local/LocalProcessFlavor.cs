using System;
using System.Collections.Generic;
using StepOperator.Components;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Local;

/// <summary>The <c>local</c> orchestrator and step operator: each step call a child process of the program (<see cref="LocalProcessStepOperator"/>).</summary>
internal sealed class LocalProcessFlavor(ComponentType type) : StepOperatorFlavor(type)
{
    public const string FlavorName = "local";

    private static readonly FlavorSetting StandbySetting = FlavorSetting.Boolean(
        "Standby", "Start each next step process ahead of its call, so it has loaded the program when the call comes (default true).");

    public override string Name => FlavorName;

    public override string Description => Type == ComponentType.Orchestrator
        ? "Runs the pipeline and its [Step] calls on this machine, each call a child process of the program."
        : "Runs [ModalStep] calls on this machine as child processes, enforcing only their Timeout.";

    public override IReadOnlyList<FlavorSetting> Settings => Type == ComponentType.Orchestrator
        ? new[] { MaxParallelSteps, StandbySetting }
        : new[] { StandbySetting };

    public override IReadOnlyList<string> StepDefaults { get; } = new[] { nameof(StepSettings.Timeout) };

    public override IReadOnlyList<BuiltInComponent> BuiltIns => Type == ComponentType.Orchestrator
        ? new[] { new BuiltInComponent(FlavorName, ("MaxParallelSteps", "STEPOPERATOR_MAX_PARALLEL_STEPS"), ("Standby", "STEPOPERATOR_LOCAL_STANDBY")) }
        : new[] { new BuiltInComponent(FlavorName, ("Standby", "STEPOPERATOR_LOCAL_STANDBY")) };

    public override IEnumerable<StackDefinition> BuiltInStacks() => Type == ComponentType.Orchestrator
        ? new[] { new StackDefinition(FlavorName, FlavorName, FlavorName, StepOperator: FlavorName) }
        : Array.Empty<StackDefinition>();

    public override IStepOperator Create(ComponentDefinition component, StackBuild stack)
    {
        var program = LocalProcessStepOperator.CurrentProgram();

        // One standby process for the stack's local operators, not one each.
        var standby = Standby(component) ? stack.Shared(() => new StandbyStepProcesses(program)) : null;
        return new LocalProcessStepOperator(program, component.Name, standby);
    }

    /// <summary>Whether a local operator starts each next step process ahead of its call (setting <c>standby</c>, default true).</summary>
    public static bool Standby(ComponentDefinition component) => component.Get("Standby") switch
    {
        null => true,
        var text when bool.TryParse(text, out var value) => value,
        var text => throw new StackConfigurationException(
            $"{component.Describe()}: standby = '{text}' is not true or false. Set it with: {component.Type.CommandName()} update {component.Name} --standby=false (or true, the default)."),
    };
}
