using StepOperator.Runs;
using static StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>Which calls a run launches when an earlier run left their outputs in the cache.</summary>
public sealed class CachingTests : IDisposable
{
    private readonly RunHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_second_run_launches_nothing_and_a_changed_input_launches_only_its_call_and_those_that_use_its_output()
    {
        var (first, second) = (1, 2);
        var result = 0;
        var pipeline = Pipeline("Sum", async ct => result = await SubmitAdd(SubmitNumber(first), SubmitNumber(second)));

        var run1 = await _harness.RunAsync(pipeline);
        Assert.Equal(RunStatus.Succeeded, run1.Status);
        // The two Number calls are independent and start together, in either order; Add waits for both.
        Assert.Equal([Number, $"{Number}.2"], _harness.Operator.Launched.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(Add, _harness.Operator.Launched[2]);
        Assert.Equal(3, _harness.CacheEntries().Count);
        Assert.All(_harness.Saved(run1.RunId).Steps, s => Assert.Equal("no earlier run", s.Cache!.Reason));

        var run2 = await _harness.RunAsync(pipeline);
        Assert.Equal(RunStatus.Succeeded, run2.Status);
        Assert.Equal(3, result);
        Assert.Equal(3, _harness.Operator.Launched.Count); // none more
        var saved2 = _harness.Saved(run2.RunId);
        Assert.All(saved2.Steps, s =>
        {
            Assert.Equal(StepStatus.Cached, s.Status);
            Assert.True(s.Cache!.Hit);
            Assert.Equal(run1.RunId, s.Cache.SourceRun);
            Assert.Equal($"cached: output of run {run1.RunId} reused", s.Cache.Reason);
            Assert.Empty(s.Attempts);
        });
        Assert.Equal([Add, Number, $"{Number}.2"], _harness.View.Events.Where(e => e.Change == StepEvent.Cached).Select(e => e.InvocationId).Order(StringComparer.Ordinal));

        second = 5;
        var run3 = await _harness.RunAsync(pipeline);
        Assert.Equal(RunStatus.Succeeded, run3.Status);
        Assert.Equal(6, result);
        Assert.Equal([$"{Number}.2", Add], _harness.Operator.Launched.Skip(3));
        var saved3 = _harness.Saved(run3.RunId).Steps.ToDictionary(s => s.InvocationId);
        Assert.Equal(StepStatus.Cached, saved3[Number].Status);
        Assert.Equal(StepStatus.Succeeded, saved3[$"{Number}.2"].Status);
        Assert.Equal("input 'x' changed", saved3[$"{Number}.2"].Cache!.Reason);
        Assert.Equal("input 'b' changed", saved3[Add].Cache!.Reason);
    }

    [Fact]
    public async Task Without_the_cache_every_call_runs_again_and_says_why()
    {
        var pipeline = Pipeline("SumNoCache", async ct => await SubmitAdd(SubmitNumber(1), SubmitNumber(2)));
        await _harness.RunAsync(pipeline);

        var run = await _harness.RunAsync(pipeline, new RunOptions(UseCache: false));

        Assert.Equal(6, _harness.Operator.Launched.Count);
        Assert.All(_harness.Saved(run.RunId).Steps, s =>
        {
            Assert.Equal(StepStatus.Succeeded, s.Status);
            Assert.Equal("disabled (--no-cache)", s.Cache!.Reason);
        });
        Assert.False(_harness.Saved(run.RunId).CacheEnabled);
    }
}
