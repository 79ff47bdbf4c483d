using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using StepOperator.Artifacts;

namespace StepOperator;

/// <summary>
/// The output of a submitted step: a reference to an artifact that exists once the step has run.
/// Pass it to another step's stub to hand the artifact over by reference; <c>await</c> it to wait
/// for the step to finish.
/// </summary>
public class StepOutput
{
    internal StepOutput(string step, string invocationId, Task<ArtifactRef?> completion)
    {
        Step = step;
        InvocationId = invocationId;
        Completion = completion;
    }

    /// <summary>The step's name.</summary>
    public string Step { get; }

    /// <summary>This call's id within the run ("Train", or "Train.2" for the second call).</summary>
    public string InvocationId { get; }

    /// <summary>Completes with the output's reference when the step has succeeded.</summary>
    internal Task<ArtifactRef?> Completion { get; }

    public TaskAwaiter GetAwaiter() => ((Task)Completion).GetAwaiter();
}

/// <summary>
/// The typed output of a submitted step. Passing it to another step's stub hands the artifact over
/// by reference (the orchestrator never downloads it); <c>await</c> it to load the value itself.
/// </summary>
public sealed class StepOutput<T> : StepOutput
{
    private readonly Lazy<Task<T>> _value;

    internal StepOutput(string step, string invocationId, Task<ArtifactRef?> completion, Func<ArtifactRef, Task<T>> load)
        : base(step, invocationId, completion)
    {
        _value = new Lazy<Task<T>>(async () =>
        {
            var reference = await completion.ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Step '{step}' produced no output.");
            return await load(reference).ConfigureAwait(false);
        });
    }

    /// <summary>Loads the value from the artifact store (once), after the step has succeeded.</summary>
    public Task<T> ValueAsync() => _value.Value;

    public new TaskAwaiter<T> GetAwaiter() => _value.Value.GetAwaiter();
}
