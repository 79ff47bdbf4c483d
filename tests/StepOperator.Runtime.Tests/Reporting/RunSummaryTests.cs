using StepOperator.Reporting;
using StepOperator.Runs;

namespace StepOperator.Runtime.Tests.Reporting;

/// <summary>The words every view and the report share.</summary>
public class RunSummaryTests
{
    [Theory]
    [InlineData(nameof(FailureKind.Exception), "exception")]
    [InlineData(nameof(FailureKind.ExitCode), "non-zero exit code")]
    [InlineData(nameof(FailureKind.OutOfMemory), "out of memory")]
    [InlineData(nameof(FailureKind.Timeout), "timeout")]
    [InlineData(nameof(FailureKind.Terminated), "terminated")]
    [InlineData(nameof(FailureKind.Backend), "backend failure")]
    [InlineData(nameof(FailureKind.DependencyFailed), "dependency failed")]
    [InlineData(nameof(FailureKind.Orchestration), "orchestration error")]
    public void Failure_kinds_are_named_in_words(string kind, string words) => Assert.Equal(words, RunSummary.Describe(Enum.Parse<FailureKind>(kind)));

    [Fact]
    public void Every_failure_kind_has_words_of_its_own() =>
        Assert.Equal(Enum.GetValues<FailureKind>().Length, Enum.GetValues<FailureKind>().Select(RunSummary.Describe).Distinct().Count());

    [Theory]
    [InlineData(null, "-")]
    [InlineData(0.04, "0.0s")]
    [InlineData(12.34, "12.3s")]
    [InlineData(125.0, "2m 05s")]
    [InlineData(3720.0, "1h 02m")]
    public void Durations_read_at_a_glance(double? seconds, string text) => Assert.Equal(text, RunSummary.Duration(seconds));

    [Fact]
    public void Cache_decisions_say_hit_or_why_the_call_ran()
    {
        Assert.Equal("-", RunSummary.Cache(null));
        Assert.Equal("hit (run r1)", RunSummary.Cache(new CacheDecision(true, "cached: output of run r1 reused") { SourceRun = "r1" }));
        Assert.Equal("hit (resumed)", RunSummary.Cache(new CacheDecision(true, "resumed: completed before the interruption") { SourceRun = "r2" }));
        Assert.Equal("ran: input 'data' changed", RunSummary.Cache(new CacheDecision(false, "input 'data' changed")));
    }

    [Fact]
    public void A_timed_out_call_shows_its_status_reason_and_exit_code()
    {
        var step = new StepRecord { InvocationId = "Slow", Step = "Slow", Placement = StepPlacement.Modal, Status = StepStatus.TimedOut, Failure = FailureKind.Timeout };
        step.Attempts.Add(new AttemptRecord { Number = 1, ExitCode = 124 });

        var row = RunSummary.Row(step);

        Assert.Equal(("timed out", "modal", "124", "timeout"), (row.Status, row.Placement, row.ExitCode, row.Reason));
        Assert.Equal("timed out: timeout (exit code 124)", RunSummary.FailureLine(step));
    }
}
