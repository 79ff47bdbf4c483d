using System.Collections.Generic;

namespace StepOperator.Stacks;

/// <summary>
/// Environment variables that hold credentials. They are read by the orchestrator only and are
/// never passed on to a step's process, container or sandbox.
/// </summary>
public static class SecretVariables
{
    public static IReadOnlyList<string> Names { get; } = new[]
    {
        "MODAL_TOKEN_ID",
        "MODAL_TOKEN_SECRET",
        StackFactory.RegistryPasswordVariable,
    };
}
