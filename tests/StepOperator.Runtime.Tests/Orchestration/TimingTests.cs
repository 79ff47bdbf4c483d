using Microsoft.Extensions.Time.Testing;
using StepOperator.Runs;
using StepOperator.Stacks;
using static StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>What a run times and waits for, on a clock the test moves (FakeTimeProvider).</summary>
public sealed class TimingTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly RunHarness _harness = new();
    private readonly CountingClock _clock = new(new FakeTimeProvider(Start));

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Retries_wait_the_steps_delay_growing_by_its_backoff_and_the_record_keeps_the_clocks_times()
    {
        // Each failed attempt takes 5 s on the clock; the retries wait 10 s, then 10 × 3 = 30 s.
        _harness.Operator.Script(Patient, call =>
        {
            if (call.Attempt < 3)
            {
                _clock.Fake.Advance(TimeSpan.FromSeconds(5));
                return Task.FromResult(new StepExit(-1, StepExitReason.BackendFailure) { Detail = "the sandbox was preempted" });
            }

            return call.RunStepAsync();
        });

        var running = _harness.RunAsync(Pipeline("Patient", async ct => await SubmitPatient(8)), time: _clock);

        await WaitsThenLaunchesAsync(TimeSpan.FromSeconds(10), attempt: 2);
        await WaitsThenLaunchesAsync(TimeSpan.FromSeconds(30), attempt: 3);
        var run = await running;

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.StartsWith("20260102-030405-", run.RunId, StringComparison.Ordinal);
        var saved = _harness.Saved(run.RunId);
        Assert.Equal(Start, saved.StartedAt);
        Assert.Equal(Start + TimeSpan.FromSeconds(50), saved.FinishedAt);
        var step = Assert.Single(saved.Steps);
        Assert.Equal(
            [(0, 5), (15, 20), (50, 50)],
            step.Attempts.Select(a => ((int)(a.StartedAt - Start).TotalSeconds, (int)(a.FinishedAt!.Value - Start).TotalSeconds)));
        Assert.Equal(50, step.DurationSeconds);
        Assert.Equal(
            ["attempt 1 failed (the sandbox was preempted); attempt 2 of 3 in 10s", "attempt 2 failed (the sandbox was preempted); attempt 3 of 3 in 30s"],
            _harness.View.Events.Where(e => e.Change == StepEvent.Retrying).Select(e => e.Detail));
    }

    [Fact]
    public async Task Log_positions_are_gathered_for_200_ms_on_the_clock_into_one_write_of_run_json()
    {
        string? runJson = null;
        _harness.Operator.Script(Number, async call =>
        {
            runJson = _harness.RunJson(call.Launch.RunId);
            var sandbox = new BackendCall("fake-sandbox", "sb-7");
            await call.Launch.Track!(sandbox);
            Assert.Equal(sandbox, SavedBackend(runJson)); // the handle itself is saved before Track returns

            var timers = _clock.TimersCreated;
            foreach (var position in new[] { "10", "20", "30" })
            {
                await call.Launch.Track!(sandbox with { LogPositions = new Dictionary<string, string> { ["stdout"] = position } });
            }

            await Eventually.HoldsAsync(() => _clock.TimersCreated == timers + 1, "one wait for the three positions");
            await Task.Delay(400); // more than 200 ms of real time: a wait on the system's clock would have written by now
            Assert.Null(SavedBackend(runJson)!.LogPositions);

            _clock.Fake.Advance(TimeSpan.FromMilliseconds(200));
            await Eventually.HoldsAsync(() => SavedBackend(runJson)!.LogPositions?.GetValueOrDefault("stdout") == "30", "the last position in run.json", seconds: 5);
            return await call.RunStepAsync();
        });

        var run = await _harness.RunAsync(Pipeline("Logs", async ct => await SubmitNumber(1)), time: _clock);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("30", _harness.Saved(run.RunId).Steps.Single().Attempts.Single().Backend!.LogPositions!["stdout"]);
    }

    private static BackendCall? SavedBackend(string runJson) => RunRecord.Load(runJson).Steps.Single().Attempts.Single().Backend;

    /// <summary>The run waits <paramref name="delay"/> on the clock before attempt <paramref name="attempt"/>: not a tick less.</summary>
    private async Task WaitsThenLaunchesAsync(TimeSpan delay, int attempt)
    {
        // The wait has begun once its timer exists; moving the clock before that would not count towards it.
        var timers = attempt - 1;
        await Eventually.HoldsAsync(() => _clock.TimersCreated == timers, $"the wait before attempt {attempt}");
        _clock.Fake.Advance(delay - TimeSpan.FromMilliseconds(1));
        await Task.Delay(200);
        Assert.Equal(attempt - 1, _harness.Operator.Launched.Count);

        _clock.Fake.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.HoldsAsync(() => _harness.Operator.Launched.Count == attempt, $"attempt {attempt} launched", seconds: 5);
    }

    /// <summary>A fake clock that counts the timers made from it (each wait of the run makes one).</summary>
    private sealed class CountingClock(FakeTimeProvider fake) : TimeProvider
    {
        private int _timers;

        public FakeTimeProvider Fake => fake;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return fake.CreateTimer(callback, state, dueTime, period);
        }
    }
}
