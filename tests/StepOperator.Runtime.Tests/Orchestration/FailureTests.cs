using StepOperator.Runs;
using static StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>How a run ends when a step fails or the user cancels it.</summary>
public sealed class FailureTests : IDisposable
{
    private readonly RunHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_failed_step_fails_the_run_skips_what_depends_on_it_and_stops_what_still_runs()
    {
        // The independent call is running when the failing one fails.
        _harness.Operator.Script(Number, call => call.WaitUntilStoppedAsync());
        _harness.Operator.Script(Fail, async call =>
        {
            await Eventually.HoldsAsync(() => _harness.Operator.Launched.Contains(Number), "the independent call started");
            return await call.RunStepAsync();
        });
        var pipeline = Pipeline("Failing", async ct =>
        {
            var independent = SubmitNumber(7);
            var failed = SubmitFail(1);
            var doubled = SubmitTwice(failed);
            await SubmitAdd(doubled, independent);
        });

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal([Fail, Number], _harness.Operator.Launched.Order(StringComparer.Ordinal));
        var saved = _harness.Saved(run.RunId);
        Assert.Equal(RunStatus.Failed, saved.Status);
        Assert.Equal(Fail, saved.FailedFirst);
        Assert.Equal($"Step '{Fail}' failed first: System.InvalidOperationException: no data for 1", saved.Error);
        var steps = saved.Steps.ToDictionary(s => s.InvocationId);

        Assert.Equal(StepStatus.Failed, steps[Fail].Status);
        Assert.Equal((FailureKind?)FailureKind.Exception, steps[Fail].Failure);
        Assert.Contains(steps[Fail].LastLines!, line => line.StartsWith($"Step '{Fail}' failed: System.InvalidOperationException: no data for 1", StringComparison.Ordinal));

        Assert.Equal(StepStatus.Skipped, steps[Twice].Status);
        Assert.Equal((FailureKind?)FailureKind.DependencyFailed, steps[Twice].Failure);
        Assert.Equal($"not run: step '{Fail}' it depends on did not succeed", steps[Twice].Error);
        Assert.Equal(StepStatus.Skipped, steps[Add].Status);
        Assert.Empty(steps[Add].Attempts);

        Assert.Equal(StepStatus.Cancelled, steps[Number].Status);
        Assert.Equal((FailureKind?)FailureKind.Terminated, steps[Number].Failure);
        Assert.Equal($"stopped because step '{Fail}' failed first", steps[Number].Error);
        Assert.Equal(0, _harness.Operator.Running);

        Assert.Equal([StepEvent.Skipped], _harness.View.EventsOf(Twice));
        Assert.Equal(StepEvent.Failed, _harness.View.EventsOf(Fail).Last());
    }

    [Fact]
    public async Task Cancelling_the_run_stops_the_running_calls_and_starts_no_more()
    {
        _harness.Operator.Script(Number, call => call.WaitUntilStoppedAsync());
        _harness.Operator.Script($"{Number}.2", call => call.WaitUntilStoppedAsync());
        var pipeline = Pipeline("Cancelled", async ct =>
        {
            var first = SubmitNumber(1);
            var second = SubmitNumber(2);
            await SubmitAdd(SubmitTwice(first), second);
        });
        using var cancellation = new CancellationTokenSource();

        var running = _harness.RunAsync(pipeline, cancellationToken: cancellation.Token);
        await Eventually.HoldsAsync(() => _harness.Operator.Running == 2, "both calls running");
        await cancellation.CancelAsync();
        var run = await running;

        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal(0, _harness.Operator.Running);
        Assert.Equal(2, _harness.Operator.Launched.Count);
        var saved = _harness.Saved(run.RunId);
        Assert.Equal(RunStatus.Cancelled, saved.Status);
        Assert.Null(saved.FailedFirst);
        var steps = saved.Steps.ToDictionary(s => s.InvocationId);
        foreach (var stopped in new[] { steps[Number], steps[$"{Number}.2"] })
        {
            Assert.Equal(StepStatus.Cancelled, stopped.Status);
            Assert.Equal((FailureKind?)FailureKind.Terminated, stopped.Failure);
            Assert.Equal("cancelled", stopped.Error);
            Assert.NotNull(stopped.FinishedAt);
            Assert.Equal([1], stopped.Attempts.Select(a => a.Number));
        }

        // The calls that waited for them never started (a user's cancel records them as they were: pending).
        foreach (var waiting in new[] { steps[Twice], steps[Add] })
        {
            Assert.Equal(StepStatus.Pending, waiting.Status);
            Assert.Empty(waiting.Attempts);
        }
    }
}
