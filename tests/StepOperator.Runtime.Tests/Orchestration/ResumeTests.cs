using StepOperator.Runs;
using StepOperator.Stacks;
using static StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>Resuming a run that was interrupted: what it had completed is reused, what it had started is continued.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly RunHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_resumed_run_reuses_the_completed_calls_and_reattaches_to_the_one_that_was_running()
    {
        // The first run: Number completes, Twice starts on its backend, and the orchestrator is "killed" while it
        // runs. run.json as it was at that moment is what a killed orchestrator leaves.
        var interrupted = Path.Combine(_harness.Root, "interrupted-run.json");
        var pipeline = Pipeline("Resumable", async ct => await SubmitTwice(SubmitNumber(21)));
        _harness.Operator.Script(Twice, async call =>
        {
            await call.Launch.Track!(new BackendCall("fake-sandbox", "sb-1"));
            File.Copy(_harness.RunJson(call.Launch.RunId), interrupted);
            return await call.WaitUntilStoppedAsync();
        });
        using (var cancellation = new CancellationTokenSource())
        {
            var first = _harness.RunAsync(pipeline, cancellationToken: cancellation.Token);
            await Eventually.HoldsAsync(() => File.Exists(interrupted), "the second call running");
            await cancellation.CancelAsync();
            await first;
        }

        var earlier = RunRecord.Load(interrupted);
        Assert.Equal(RunStatus.Running, earlier.Status);
        Assert.Equal(StepStatus.Succeeded, earlier.Steps.Single(s => s.InvocationId == Number).Status);
        Assert.Equal(new BackendCall("fake-sandbox", "sb-1"), earlier.Steps.Single(s => s.InvocationId == Twice).Attempts.Single().Backend);
        File.Copy(interrupted, _harness.RunJson(earlier.RunId), overwrite: true);

        _harness.Operator.Script(Twice, call => call.RunStepAsync());
        var resumed = await _harness.RunAsync(pipeline, new RunOptions(Resume: earlier));

        Assert.Equal(earlier.RunId, resumed.RunId);
        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.Equal(1, resumed.Resumed);
        Assert.Equal([earlier.RunId], _harness.Operator.CleanedUpRuns);
        Assert.Equal([Number, Twice, Twice], _harness.Operator.Launched); // Number not again
        var reattached = _harness.Operator.Launches[^1];
        Assert.Equal(new ResumedCall(new BackendCall("fake-sandbox", "sb-1")), reattached.Resumed);

        var saved = _harness.Saved(earlier.RunId);
        Assert.Equal(1, saved.Resumed);
        var number = saved.Steps.Single(s => s.InvocationId == Number);
        Assert.Equal(StepStatus.Cached, number.Status);
        Assert.Equal("resumed: completed before the interruption", number.Cache!.Reason);
        Assert.Equal(StepStatus.Succeeded, saved.Steps.Single(s => s.InvocationId == Twice).Status);

        // The interrupted attempt's record stays beside the new one.
        var kept = RunRecord.Load(Path.Combine(_harness.RunsDirectory, earlier.RunId, "run.interrupted-1.json"));
        Assert.Equal(RunStatus.Running, kept.Status);
    }

    [Fact]
    public async Task A_call_whose_input_changed_since_the_interruption_starts_afresh()
    {
        var value = 21;
        var pipeline = Pipeline("ResumableChanged", async ct => await SubmitTwice(SubmitNumber(value)));
        var interrupted = Path.Combine(_harness.Root, "interrupted-run.json");
        _harness.Operator.Script(Twice, async call =>
        {
            await call.Launch.Track!(new BackendCall("fake-sandbox", "sb-1"));
            File.Copy(_harness.RunJson(call.Launch.RunId), interrupted);
            return await call.WaitUntilStoppedAsync();
        });
        using (var cancellation = new CancellationTokenSource())
        {
            var first = _harness.RunAsync(pipeline, cancellationToken: cancellation.Token);
            await Eventually.HoldsAsync(() => File.Exists(interrupted), "the second call running");
            await cancellation.CancelAsync();
            await first;
        }

        var earlier = RunRecord.Load(interrupted);
        File.Copy(interrupted, _harness.RunJson(earlier.RunId), overwrite: true);
        _harness.Operator.Script(Twice, call => call.RunStepAsync());
        value = 22;
        var resumed = await _harness.RunAsync(pipeline, new RunOptions(Resume: earlier));

        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.Equal([Number, Twice, Number, Twice], _harness.Operator.Launched);
        Assert.Null(_harness.Operator.Launches[^1].Resumed);
        Assert.Equal(StepStatus.Succeeded, _harness.Saved(earlier.RunId).Steps.Single(s => s.InvocationId == Number).Status);
    }
}
