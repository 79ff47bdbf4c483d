using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator;

/// <summary>Where a step runs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StepPlacement>))]
public enum StepPlacement
{
    /// <summary>A <c>[Step]</c>: on the orchestrator's side (the stack's local or Docker backend).</summary>
    Orchestrator,

    /// <summary>A <c>[ModalStep]</c>: on the stack's step operator (a Modal sandbox on a Modal stack).</summary>
    Modal,
}

/// <summary>Runs a step inside its own process: loads inputs, calls the method, stores the output.</summary>
public delegate Task StepEntrypoint(StepInvocation invocation, CancellationToken cancellationToken);

/// <summary>A parameter of a step that is an artifact (CancellationToken parameters are not).</summary>
public sealed record StepParameter(string Name, Type Type);

/// <summary>A step of the program, as the generator found it.</summary>
/// <param name="Name">The step's unique name.</param>
/// <param name="Placement">Where the step runs.</param>
/// <param name="Method">The method, fully qualified.</param>
/// <param name="Settings">The settings as written.</param>
public sealed record StepDefinition(string Name, StepPlacement Placement, string Method, StepSettings Settings)
{
    /// <summary>The artifact parameters, in order.</summary>
    public IReadOnlyList<StepParameter> Parameters
    {
        get => field ?? (IReadOnlyList<StepParameter>?)Description?.Value.Parameters ?? Array.Empty<StepParameter>();
        init;
    }

    /// <summary>The type of the output artifact; null when the step returns nothing.</summary>
    public Type? OutputType
    {
        get => field ?? Description?.Value.OutputType;
        init;
    }

    /// <summary>What the generated entrypoint says the step takes and returns, asked for when first needed.</summary>
    internal Lazy<StepDescription>? Description { get; init; }

    /// <summary>The generated entrypoint; null only for definitions made by hand for inspection.</summary>
    internal StepEntrypoint? Entrypoint { get; init; }

    /// <summary>
    /// The step's code as generated registrations bind it (the step method, or a generated lambda that calls it): what
    /// the cache fingerprints. Null for definitions made by hand; then the entrypoint's method is fingerprinted.
    /// </summary>
    internal Delegate? Code { get; init; }
}

/// <summary>A pipeline of the program: a method that calls steps through their generated stubs.</summary>
public sealed record PipelineDefinition(string Name, string Method, Func<CancellationToken, Task> Run);
