using StepOperator.Runs;

namespace StepOperator.Runtime.Tests.Reporting;

/// <summary>Run records as the runner leaves them, for the views and the report.</summary>
internal static class SampleRuns
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public const string EarlierRun = "20250228-110000-beef";

    /// <summary>Two calls: MakeDataset ran (no earlier run), Train came from the cache.</summary>
    public static RunRecord Succeeded()
    {
        var run = new RunRecord
        {
            RunId = "20250301-120000-abcd",
            Pipeline = "training",
            Stack = "local",
            ArtifactStore = "default",
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(4.2),
            Status = RunStatus.Succeeded,
            MaxParallelSteps = 2,
        };
        run.Steps.Add(Ran("MakeDataset", "local", StepPlacement.Orchestrator, 0.5, 1.5, "no earlier run"));
        run.Steps.Add(new StepRecord
        {
            InvocationId = "Train",
            Step = "Train",
            Placement = StepPlacement.Modal,
            StepOperator = "gpu",
            Status = StepStatus.Cached,
            StartedAt = Start.AddSeconds(2),
            FinishedAt = Start.AddSeconds(2),
            Cache = new CacheDecision(true, $"cached: output of run {EarlierRun} reused", "key-train") { SourceRun = EarlierRun },
        });
        return run;
    }

    /// <summary>
    /// Four calls: MakeDataset succeeded; Sidecar was stopped because Train failed first; Train was
    /// preempted twice (retried) and then ran out of memory with exit code 137 after printing 25 lines;
    /// Evaluate was not run.
    /// </summary>
    public static RunRecord Failed()
    {
        var run = new RunRecord
        {
            RunId = "20250301-130000-f00d",
            Pipeline = "training",
            Stack = "modal-stack",
            ArtifactStore = "s3-store",
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(95),
            Status = RunStatus.Failed,
            CacheEnabled = false,
            FailedFirst = "Train",
            Error = "Step 'Train' failed: out of memory (limit 32000 MB)",
        };
        run.Steps.Add(Ran("MakeDataset", "local", StepPlacement.Orchestrator, 0, 2, "disabled (--no-cache)"));

        // Listed before Train, but Train failed first: the report explains Train first.
        run.Steps.Add(new StepRecord
        {
            InvocationId = "Sidecar",
            Step = "Sidecar",
            Placement = StepPlacement.Orchestrator,
            StepOperator = "local",
            Status = StepStatus.Cancelled,
            Failure = FailureKind.Terminated,
            StartedAt = Start.AddSeconds(2),
            FinishedAt = Start.AddSeconds(90),
            Error = "stopped: step 'Train' failed first",
            Cache = new CacheDecision(false, "disabled (--no-cache)"),
            Attempts = { new AttemptRecord { Number = 1, StartedAt = Start.AddSeconds(2) } },
        });

        var train = new StepRecord
        {
            InvocationId = "Train",
            Step = "Train",
            Placement = StepPlacement.Modal,
            StepOperator = "gpu",
            Status = StepStatus.Failed,
            Failure = FailureKind.OutOfMemory,
            ExitCode = 137,
            StartedAt = Start.AddSeconds(2),
            FinishedAt = Start.AddSeconds(89),
            Error = "out of memory (limit 32000 MB)",
            Cache = new CacheDecision(false, "disabled (--no-cache)"),
            LastLines = Enumerable.Range(6, 20).Select(i => $"epoch {i}: loss 0.{i:00}").ToList(),
        };
        train.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = Start.AddSeconds(2), FinishedAt = Start.AddSeconds(12), Failure = FailureKind.Backend, Error = "sandbox preempted", Retried = true });
        train.Attempts.Add(new AttemptRecord { Number = 2, StartedAt = Start.AddSeconds(17), FinishedAt = Start.AddSeconds(27), Failure = FailureKind.Backend, Error = "lost connection", Retried = true });
        train.Attempts.Add(new AttemptRecord { Number = 3, StartedAt = Start.AddSeconds(37), FinishedAt = Start.AddSeconds(89), ExitCode = 137, Failure = FailureKind.OutOfMemory, Error = "out of memory (limit 32000 MB)" });
        run.Steps.Add(train);

        run.Steps.Add(new StepRecord
        {
            InvocationId = "Evaluate",
            Step = "Evaluate",
            Placement = StepPlacement.Orchestrator,
            StepOperator = "local",
            Status = StepStatus.Skipped,
            Failure = FailureKind.DependencyFailed,
            Error = "not run: step 'Train' it depends on did not succeed",
        });
        return run;
    }

    /// <summary>
    /// A newcomer's run: CountWords came from an earlier run's cache, EmbedDocuments threw after printing two lines
    /// (its step process's report of the exception is the last of them), Summarize was not run.
    /// </summary>
    public static RunRecord Threw()
    {
        var run = new RunRecord
        {
            RunId = "20250301-140000-c0de",
            Pipeline = "words",
            Stack = "local",
            ArtifactStore = "default",
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(3),
            Status = RunStatus.Failed,
            FailedFirst = "EmbedDocuments",
            Error = "Step 'EmbedDocuments' failed first: System.InvalidOperationException: no model named 'mini'",
        };
        run.Steps.Add(new StepRecord
        {
            InvocationId = "CountWords",
            Step = "CountWords",
            Placement = StepPlacement.Orchestrator,
            StepOperator = "local",
            Status = StepStatus.Cached,
            StartedAt = Start,
            FinishedAt = Start,
            Cache = new CacheDecision(true, $"cached: output of run {EarlierRun}-0dc64d reused", "key-count") { SourceRun = EarlierRun + "-0dc64d" },
        });
        var embed = Ran("EmbedDocuments", "local", StepPlacement.Modal, 0.1, 2.5, "input 'documents' changed");
        embed.Status = StepStatus.Failed;
        embed.Failure = FailureKind.Exception;
        embed.ExitCode = 1;
        embed.Error = "System.InvalidOperationException: no model named 'mini'";
        embed.LastLines =
        [
            "loading 3 documents",
            "looking up model 'mini'",
            "Step 'EmbedDocuments' failed: System.InvalidOperationException: no model named 'mini'",
            "   at Words.Steps.EmbedDocuments(String[] documents) in /src/Words/Steps.cs:line 12",
            "   at StepOperator.Execution.StepProcess.RunAsync(String stepName, String runId, String invocationId, String storeLocation, TextWriter error, CancellationToken cancellationToken)",
        ];
        run.Steps.Add(embed);
        run.Steps.Add(new StepRecord
        {
            InvocationId = "Summarize",
            Step = "Summarize",
            Placement = StepPlacement.Orchestrator,
            StepOperator = "local",
            Status = StepStatus.Skipped,
            Failure = FailureKind.DependencyFailed,
            Error = "not run: step 'EmbedDocuments' it depends on did not succeed",
        });
        return run;
    }

    public static StepRecord Ran(string id, string stepOperator, StepPlacement placement, double start, double end, string cacheReason)
    {
        var step = new StepRecord
        {
            InvocationId = id,
            Step = id,
            Placement = placement,
            StepOperator = stepOperator,
            Status = StepStatus.Succeeded,
            StartedAt = Start.AddSeconds(start),
            FinishedAt = Start.AddSeconds(end),
            ExitCode = 0,
            Cache = new CacheDecision(false, cacheReason, "key-" + id),
        };
        step.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = Start.AddSeconds(start), FinishedAt = Start.AddSeconds(end), ExitCode = 0 });
        return step;
    }

    /// <summary>A temporary folder, removed on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stepoperator-report-" + Guid.NewGuid().ToString("N")[..8]);

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
