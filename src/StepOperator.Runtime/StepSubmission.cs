using System;
using StepOperator.Artifacts;
using StepOperator.Runs;

namespace StepOperator;

/// <summary>
/// What generated submission stubs call: starts a step call in the current pipeline run and returns
/// its output at once; the call runs when its inputs are ready.
/// </summary>
public static class StepSubmission
{
    /// <summary>Submits a step that produces a <typeparamref name="T"/>.</summary>
    public static StepOutput<T> Submit<T>(string step, params StepArgument[] arguments)
    {
        var (run, definition) = Resolve(step);
        var (record, completion) = run.Submit(definition, arguments);
        var store = run.Stack.ArtifactStore;
        return new StepOutput<T>(step, record.InvocationId, completion, reference =>
            ArtifactSerializer.ReadAsync<T>(store, ArtifactKey.Parse(reference.Key), $"Output of step '{record.InvocationId}'", run.CancellationToken));
    }

    /// <summary>Submits a step that produces nothing.</summary>
    public static StepOutput Submit(string step, params StepArgument[] arguments)
    {
        var (run, definition) = Resolve(step);
        var (record, completion) = run.Submit(definition, arguments);
        return new StepOutput(step, record.InvocationId, completion);
    }

    private static (PipelineRun Run, StepDefinition Step) Resolve(string step)
    {
        var run = PipelineRun.Current ?? throw new InvalidOperationException(
            $"Step '{step}' was called through its stub outside a pipeline run. Run the program (dotnet run) so the " +
            "pipeline runner calls the [Pipeline] method, or call the step method itself.");
        var definition = StepCatalog.FindStep(step) ?? throw new InvalidOperationException(
            $"Step '{step}' is not registered in this program; rebuild it so the generator registers its steps.");
        return (run, definition);
    }
}
