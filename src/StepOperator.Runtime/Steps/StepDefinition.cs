namespace StepOperator;

/// <summary>Where a step runs.</summary>
public enum StepPlacement
{
    /// <summary>A <c>[Step]</c>: on the orchestrator's side (the stack's local or Docker backend).</summary>
    Orchestrator,

    /// <summary>A <c>[ModalStep]</c>: on the stack's step operator (a Modal sandbox on a Modal stack).</summary>
    Modal,
}

/// <summary>A step of the program, as the generator found it.</summary>
/// <param name="Name">The step's unique name.</param>
/// <param name="Placement">Where the step runs.</param>
/// <param name="Method">The method, fully qualified.</param>
/// <param name="Settings">The settings as written.</param>
public sealed record StepDefinition(string Name, StepPlacement Placement, string Method, StepSettings Settings);
