using System;
using System.Collections.Generic;
using System.Globalization;
using StepOperator.Components;
using StepOperator.Stacks;

namespace StepOperator.Flavors;

/// <summary>
/// A flavor of orchestrator or step operator: it makes the <see cref="IStepOperator"/> that runs a stack's step calls
/// (an orchestrator runs the <c>[Step]</c> methods, a step operator the <c>[ModalStep]</c> ones).
/// </summary>
public abstract class StepOperatorFlavor : Flavor
{
    protected StepOperatorFlavor(ComponentType type)
    {
        if (type is not (ComponentType.Orchestrator or ComponentType.StepOperator))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A step operator flavor is an orchestrator or a step operator.");
        }

        Type = type;
    }

    public sealed override ComponentType Type { get; }

    /// <summary>The orchestrator's limit on step calls running at once; every orchestrator flavor takes it.</summary>
    public static FlavorSetting MaxParallelSteps { get; } = new("MaxParallelSteps", "At most this many step calls run at once (0: no limit).")
    {
        Example = "4",
        Check = value => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) && limit >= 0
            ? null
            : "is not a whole number of 0 or more",
    };

    /// <summary>
    /// The step settings a component of this flavor can give its steps as defaults (<see cref="StepSettings"/> property
    /// names: <c>Gpu</c>, <c>Timeout</c>); registered as <c>--gpu=A100</c>, checked by the analyzer's rules.
    /// </summary>
    public virtual IReadOnlyList<string> StepDefaults => Array.Empty<string>();

    /// <summary>Makes the operator for <paramref name="component"/> in the stack being built.</summary>
    public abstract IStepOperator Create(ComponentDefinition component, StackBuild stack);
}
