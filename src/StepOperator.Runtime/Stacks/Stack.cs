using StepOperator.Artifacts;

namespace StepOperator.Stacks;

/// <summary>
/// A stack: where artifacts live, where <c>[Step]</c> methods run (the orchestrator's side) and where
/// <c>[ModalStep]</c> methods run (the step operator).
/// </summary>
public sealed record Stack(string Name, IArtifactStore ArtifactStore, IStepOperator Orchestrator, IStepOperator StepOperator)
{
    public IStepOperator OperatorFor(StepDefinition step) =>
        step.Placement == StepPlacement.Modal ? StepOperator : Orchestrator;
}
