using System.Collections.Concurrent;
using StepOperator.Runs;
using static StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>How a run orders its step calls and how many it runs at once, on a fake step operator.</summary>
public sealed class SchedulingTests : IDisposable
{
    private readonly RunHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Dependent_steps_run_one_after_the_other_and_each_gets_the_output_before_it()
    {
        var result = 0;
        var pipeline = Pipeline("Chain", async ct =>
        {
            var number = SubmitNumber(3);
            var doubled = SubmitTwice(number);
            result = await SubmitAdd(doubled, number);
        });

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(9, result); // (3 * 2) + 3, each value read from the store by the next call
        Assert.Equal([Number, Twice, Add], _harness.Operator.Launched);

        var saved = _harness.Saved(run.RunId);
        Assert.Equal(RunStatus.Succeeded, saved.Status);
        Assert.Equal([Number, Twice, Add], saved.Steps.Select(s => s.InvocationId));
        Assert.All(saved.Steps, s =>
        {
            Assert.Equal(StepStatus.Succeeded, s.Status);
            Assert.Equal("fake", s.StepOperator);
            Assert.Single(s.Attempts);
            Assert.NotNull(s.FinishedAt);
        });
        var (number, doubled, sum) = (saved.Steps[0], saved.Steps[1], saved.Steps[2]);
        Assert.Equal(number.Output!.Key, doubled.Inputs["x"].Key);
        Assert.Equal(doubled.Output!.Key, sum.Inputs["a"].Key);
        Assert.Equal(number.Output.Key, sum.Inputs["b"].Key);
        Assert.Equal(StepPlacement.Modal, sum.Placement);

        // A call starts only after the call it depends on has finished.
        Assert.True(doubled.StartedAt >= number.FinishedAt, $"{doubled.StartedAt:O} < {number.FinishedAt:O}");
        Assert.True(sum.StartedAt >= doubled.FinishedAt, $"{sum.StartedAt:O} < {doubled.FinishedAt:O}");
        Assert.Equal([StepEvent.Started, StepEvent.Succeeded], _harness.View.EventsOf(Twice));
        Assert.Same(run, _harness.View.Finished);
    }

    [Fact]
    public async Task Independent_calls_run_at_the_same_time_when_there_is_no_limit()
    {
        var gates = HoldEveryCall(4);
        var pipeline = Pipeline("FanOut", async ct =>
        {
            var calls = Enumerable.Range(1, 4).Select(i => SubmitNumber(i)).ToList();
            foreach (var call in calls)
            {
                await call;
            }
        });

        var running = _harness.RunAsync(pipeline);
        await Eventually.HoldsAsync(() => _harness.Operator.Running == 4, "all four calls running at once");
        foreach (var gate in gates.Values)
        {
            gate.SetResult();
        }

        var run = await running;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(4, _harness.Operator.MostRunningAtOnce);
        Assert.DoesNotContain(_harness.View.Events, e => e.Change == StepEvent.Queued);
    }

    [Fact]
    public async Task At_most_MaxParallelSteps_calls_run_at_once_and_the_others_wait_for_a_slot()
    {
        var gates = HoldEveryCall(6);
        var pipeline = Pipeline("FanOutLimited", async ct =>
        {
            var calls = Enumerable.Range(1, 6).Select(i => SubmitNumber(i)).ToList();
            foreach (var call in calls)
            {
                await call;
            }
        });

        var running = _harness.RunAsync(pipeline, new RunOptions(MaxParallelSteps: 2));

        // Held calls never end by themselves: were the limit not kept, all six would be running before any is released.
        for (var released = 0; released < 6; released++)
        {
            var expected = Math.Min(2, 6 - released);
            await Eventually.HoldsAsync(() => _harness.Operator.Running == expected && _harness.Operator.Launched.Count == released + expected,
                $"{expected} calls running after {released} were released");
            gates[_harness.Operator.Launched[released]].SetResult();
        }

        var run = await running;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(2, _harness.Operator.MostRunningAtOnce);
        Assert.Equal(6, _harness.Operator.Launched.Count);
        var queued = _harness.View.Events.Where(e => e.Change == StepEvent.Queued).ToList();
        Assert.Equal(4, queued.Count);
        Assert.All(queued, e => Assert.Equal("at most 2 steps run at once", e.Detail));
        Assert.Equal(2, _harness.Saved(run.RunId).MaxParallelSteps);
    }

    /// <summary>Scripts the calls of <see cref="OrchestrationSteps.Number"/> to wait until their gate opens, then run.</summary>
    private ConcurrentDictionary<string, TaskCompletionSource> HoldEveryCall(int calls)
    {
        var gates = new ConcurrentDictionary<string, TaskCompletionSource>(StringComparer.Ordinal);
        foreach (var id in Enumerable.Range(1, calls).Select(i => i == 1 ? Number : $"{Number}.{i}"))
        {
            var gate = gates[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _harness.Operator.Script(id, async call =>
            {
                await gate.Task.WaitAsync(call.CancellationToken);
                return await call.RunStepAsync();
            });
        }

        return gates;
    }
}
