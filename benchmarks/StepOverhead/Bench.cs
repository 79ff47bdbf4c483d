using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StepOperator.Benchmarks;
using StepOperator.Benchmarks.Support;
using StepOperator.Local;
using static StepOperator.Benchmarks.Support.Results;

namespace StepOverhead;

/// <summary>
/// Runs this program both ways, interleaved, as whole processes: the 20-step pipeline on the local
/// stack (each step a child process) and the 20 methods called directly. Per-step overhead =
/// (median pipeline wall time − median direct wall time) / 20. Goal: ≤ 150 ms.
/// </summary>
internal static class Bench
{
    private const double GoalMs = 150;

    private sealed record Timing(double WallMs, double CpuMs, RunBreakdown? Run);

    /// <summary>From run.json: time before the run started, inside the steps, between steps, and after.</summary>
    private sealed record RunBreakdown(double BeforeRunMs, double RunToFirstStepMs, double StepsMs, double GapsMs, double AfterLastStepMs, int Steps);

    public static async Task<int> RunAsync(string[] args)
    {
        int Option(string name, int fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
        }

        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var rounds = Option("--rounds", 9);
        var warmup = Option("--warmup", 2);
        var command = "dotnet run -c Release --project benchmarks/StepOverhead -- bench" + (args.Length > 0 ? " " + string.Join(' ', args) : string.Empty);
        var program = LocalProcessStepOperator.CurrentProgram();
        var scratch = Directory.CreateTempSubdirectory("stepoverhead-");
        Console.WriteLine($"Step overhead: {string.Join(' ', program)}; {warmup} warm-up + {rounds} measured rounds; scratch {scratch.FullName}");

        // The report gives the share of the run's time some task waited for a CPU (outside work on this machine moves the figures).
        Results.MarkPressure();
        var pipeline = new List<Timing>();
        var direct = new List<Timing>();
        try
        {
            for (var round = 0; round < warmup + rounds; round++)
            {
                // Alternate which variant goes first.
                Timing p, d;
                if (round % 2 == 0)
                {
                    p = await RunPipelineAsync(program, scratch.FullName, round);
                    d = await RunDirectAsync(program, scratch.FullName);
                }
                else
                {
                    d = await RunDirectAsync(program, scratch.FullName);
                    p = await RunPipelineAsync(program, scratch.FullName, round);
                }

                var label = round < warmup ? $"warm-up {round + 1}" : $"round {round - warmup + 1,2}";
                Console.WriteLine($"  {label}: pipeline {p.WallMs,6:0} ms, direct {d.WallMs,5:0} ms, per step {(p.WallMs - d.WallMs) / NoOpSteps.Count,5:0.0} ms, CPU per step {(p.CpuMs - d.CpuMs) / NoOpSteps.Count,5:0.0} ms" +
                    (p.Run is { } r ? $" (steps {r.StepsMs / r.Steps:0.0} ms each, gaps {r.GapsMs / Math.Max(1, r.Steps - 1):0.0} ms each, before run {r.BeforeRunMs:0} ms)" : ""));
                if (round >= warmup)
                {
                    pipeline.Add(p);
                    direct.Add(d);
                }
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        var pipelineMs = Median(pipeline.Select(t => t.WallMs));
        var directMs = Median(direct.Select(t => t.WallMs));
        var perStep = (pipelineMs - directMs) / NoOpSteps.Count;
        var perRound = Median(pipeline.Zip(direct, (p, d) => (p.WallMs - d.WallMs) / NoOpSteps.Count));
        var cpuPerStep = (Median(pipeline.Select(t => t.CpuMs)) - Median(direct.Select(t => t.CpuMs))) / NoOpSteps.Count;
        var met = perStep <= GoalMs;
        var runs = pipeline.Select(t => t.Run!).ToList();

        var report = new StringBuilder();
        report.AppendLine("## Per-step overhead on the local stack");
        report.AppendLine();
        report.AppendLine($"**Goal:** ≤ {GoalMs:0} ms per step. **Measured: {perStep:0.0} ms per step — {(met ? "met" : "missed")}** " +
            $"((median pipeline wall {pipelineMs:0} ms − median direct wall {directMs:0} ms) / {NoOpSteps.Count}; median of per-round values {perRound:0.0} ms).");
        report.AppendLine();
        report.AppendLine($"Program: benchmarks/StepOverhead, {NoOpSteps.Count} no-op `[Step(EnableCache = false)] int StepNN(int value) => value + 1` chained in one `[Pipeline]` " +
            "(each step takes the previous output by reference, so they run one after another). " +
            $"Both variants are whole processes of the same Release build, started by the benchmark: `StepOverhead Chain --stack local --home <fresh dir>` " +
            $"(every step a child process through the step entrypoint) and `StepOverhead direct` (the same methods called in-process); {warmup} warm-up rounds, then {rounds} rounds, alternating which runs first.");
        report.AppendLine();
        report.AppendLine("| | median ms |");
        report.AppendLine("|---|---:|");
        report.AppendLine($"| pipeline process, wall | {pipelineMs:0} |");
        report.AppendLine($"| direct process, wall | {directMs:0} |");
        report.AppendLine($"| per-step overhead (wall) | {perStep:0.0} |");
        report.AppendLine($"| pipeline process tree, CPU (user + system, steps included) | {Median(pipeline.Select(t => t.CpuMs)):0} |");
        report.AppendLine($"| direct process, CPU | {Median(direct.Select(t => t.CpuMs)):0} |");
        report.AppendLine($"| per-step overhead (CPU) | {cpuPerStep:0.0} |");
        report.AppendLine($"| from run.json: one step call (child process as the orchestrator sees it) | {Median(runs.Select(r => r.StepsMs / r.Steps)):0.0} |");
        report.AppendLine($"| from run.json: orchestrator gap between one step's end and the next one's start | {Median(runs.Select(r => r.GapsMs / Math.Max(1, r.Steps - 1))):0.0} |");
        report.AppendLine($"| from run.json: pipeline process start → run recorded as started | {Median(runs.Select(r => r.BeforeRunMs)):0} |");
        report.AppendLine($"| from run.json: run started → first step started | {Median(runs.Select(r => r.RunToFirstStepMs)):0} |");
        report.AppendLine($"| from run.json: last step finished → run finished | {Median(runs.Select(r => r.AfterLastStepMs)):0} |");
        report.AppendLine();
        report.AppendLine($"Machine: {Results.Machine()}. Source: {Results.Revision()}.");
        report.AppendLine();
        report.AppendLine($"Command: `{command}`");

        Results.Publish("StepOverhead", report);
        return met ? 0 : 1;
    }

    private static async Task<Timing> RunPipelineAsync(IReadOnlyList<string> program, string scratch, int round)
    {
        var home = Path.Combine(scratch, $"home-{round}");
        var started = DateTimeOffset.UtcNow;
        var (wall, cpu, output) = await RunAsync(program, ["Chain", "--stack", "local", "--home", home], scratch);
        if (!output.Contains($"result {NoOpSteps.Count}", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The pipeline did not print 'result {NoOpSteps.Count}':\n{output}");
        }

        return new Timing(wall, cpu, Breakdown(home, started));
    }

    private static async Task<Timing> RunDirectAsync(IReadOnlyList<string> program, string scratch)
    {
        var (wall, cpu, output) = await RunAsync(program, ["direct"], scratch);
        if (!output.Contains($"result {NoOpSteps.Count}", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The direct run did not print 'result {NoOpSteps.Count}':\n{output}");
        }

        return new Timing(wall, cpu, null);
    }

    /// <summary>Runs the program to its end; the wall time is from start to exit.</summary>
    private static async Task<(double WallMs, double CpuMs, string Output)> RunAsync(IReadOnlyList<string> program, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in program.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        // No registered stacks or settings from this user or environment: the built-in local stack only.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("STEPOPERATOR_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["STEPOPERATOR_CONFIG"] = Path.Combine(workingDirectory, "no-config.json");

        var cpuBefore = ChildCpu.Milliseconds();
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program[0]}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var wall = watch.Elapsed.TotalMilliseconds;
        var cpu = ChildCpu.Milliseconds() - cpuBefore;
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        }

        return (wall, cpu, output);
    }

    private static RunBreakdown? Breakdown(string home, DateTimeOffset processStarted)
    {
        var file = Directory.GetFiles(Path.Combine(home, "runs"), "run.json", SearchOption.AllDirectories).SingleOrDefault();
        if (file is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var root = json.RootElement;
        var steps = root.GetProperty("Steps").EnumerateArray()
            .Select(s => (Start: s.GetProperty("StartedAt").GetDateTimeOffset(), End: s.GetProperty("FinishedAt").GetDateTimeOffset()))
            .OrderBy(s => s.Start)
            .ToList();
        var stepsMs = steps.Sum(s => (s.End - s.Start).TotalMilliseconds);
        var gapsMs = steps.Zip(steps.Skip(1), (a, b) => (b.Start - a.End).TotalMilliseconds).Sum();
        var runStarted = root.GetProperty("StartedAt").GetDateTimeOffset();
        var runFinished = root.GetProperty("FinishedAt").GetDateTimeOffset();
        return new RunBreakdown((runStarted - processStarted).TotalMilliseconds, (steps[0].Start - runStarted).TotalMilliseconds, stepsMs, gapsMs, (runFinished - steps[^1].End).TotalMilliseconds, steps.Count);
    }
}
