using StepOperator.Runs;
using StepOperator.Stacks;
using static StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>Which failed attempts a run tries again: backend failures by the step's retry settings, nothing else.</summary>
public sealed class RetryTests : IDisposable
{
    private readonly RunHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Transient_backend_failures_are_retried_by_the_steps_retry_settings()
    {
        _harness.Operator.Script(Flaky, call => call.Attempt switch
        {
            1 => Task.FromResult(new StepExit(-1, StepExitReason.BackendFailure) { Detail = "the sandbox was preempted" }),
            2 => throw new FakeBackendLostException("connection reset"),
            _ => call.RunStepAsync(),
        });
        var result = 0;

        var run = await _harness.RunAsync(Pipeline("Flaky", async ct => result = await SubmitFlaky(4)));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(4, result);
        Assert.Equal([1, 2, 3], _harness.Operator.Launches.Select(l => l.Attempt));
        var step = Assert.Single(_harness.Saved(run.RunId).Steps);
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Null(step.Failure);
        Assert.Equal(3, step.Attempts.Count);
        Assert.Equal((FailureKind?)FailureKind.Backend, step.Attempts[0].Failure);
        Assert.Equal("the sandbox was preempted", step.Attempts[0].Error);
        Assert.Equal((FailureKind?)FailureKind.Backend, step.Attempts[1].Failure);
        Assert.Equal("lost the backend: connection reset", step.Attempts[1].Error);
        Assert.Equal([true, true, false], step.Attempts.Select(a => a.Retried));
        Assert.Null(step.Attempts[2].Failure);
        Assert.Equal(
            [StepEvent.Started, StepEvent.Retrying, StepEvent.Started, StepEvent.Retrying, StepEvent.Started, StepEvent.Succeeded],
            _harness.View.EventsOf(Flaky));
        Assert.Equal("attempt 1 failed (the sandbox was preempted); attempt 2 of 3 in 0s",
            _harness.View.Events.First(e => e.Change == StepEvent.Retrying).Detail);
    }

    [Fact]
    public async Task A_call_whose_backend_keeps_failing_fails_after_its_last_retry()
    {
        _harness.Operator.Script(Flaky, call => Task.FromResult(new StepExit(-1, StepExitReason.BackendFailure) { Detail = $"no capacity ({call.Attempt})" }));

        var run = await _harness.RunAsync(Pipeline("FlakyToTheEnd", async ct => await SubmitFlaky(4)));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, _harness.Operator.Launched.Count);
        var step = Assert.Single(_harness.Saved(run.RunId).Steps);
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal((FailureKind?)FailureKind.Backend, step.Failure);
        Assert.Equal("no capacity (3)", step.Error);
        Assert.Equal([true, true, false], step.Attempts.Select(a => a.Retried));
        Assert.Equal($"Step '{Flaky}' failed first: no capacity (3)", _harness.Saved(run.RunId).Error);
    }

    [Fact]
    public async Task A_failure_of_the_launch_that_is_not_transient_is_not_retried()
    {
        _harness.Operator.Script(Flaky, _ => throw new InvalidOperationException("the image has no entrypoint"));

        var run = await _harness.RunAsync(Pipeline("NotTransient", async ct => await SubmitFlaky(4)));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal([Flaky], _harness.Operator.Launched);
        var step = Assert.Single(_harness.Saved(run.RunId).Steps);
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal((FailureKind?)FailureKind.Orchestration, step.Failure);
        Assert.Equal("the image has no entrypoint", step.Error);
        Assert.DoesNotContain(StepEvent.Retrying, _harness.View.EventsOf(Flaky));
    }

    [Fact]
    public async Task The_steps_own_exception_is_not_retried_without_RetryOnException()
    {
        var run = await _harness.RunAsync(Pipeline("Throws", async ct => await SubmitThrowing(4)));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal([Throwing], _harness.Operator.Launched);
        var step = Assert.Single(_harness.Saved(run.RunId).Steps);
        Assert.Equal((FailureKind?)FailureKind.Exception, step.Failure);
        Assert.Equal("System.InvalidOperationException: no data for 4", step.Error);
        Assert.Equal(1, step.ExitCode);
    }
}
