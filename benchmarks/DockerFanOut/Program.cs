using System.Globalization;
using System.Text;
using StepOperator.Benchmarks.Support;
using StepOperator.Runs;

// Eight independent 2 s steps on the docker stack against one such step.
// Builds FanOutPipeline (a [Step(EnableCache = false)] that sleeps 2 s; pipeline One submits it
// once, pipeline Eight eight times at once and awaits them with Task.WhenAll), runs it once to build
// the image, then runs One and Eight alternately, each as `dotnet FanOutPipeline.dll <pipeline>
// --stack docker`, and compares the medians of their wall times (goal: Eight <= 1.5x One).
// Writes benchmarks/RESULTS.md, section DockerFanOut.
//
// Usage: dotnet run -c Release --project benchmarks/DockerFanOut [-- --rounds 5] [--no-results]

var rounds = 5;
var writeResults = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-results": writeResults = false; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}."); return 2;
    }
}

const double Goal = 1.5;
const string BaseImage = "stepoperator/dotnet-runtime:10.0";
var root = Results.RepositoryRoot;
Results.MarkPressure();
Console.WriteLine("Building the pipeline program and the base image ...");
await Shell.ScriptAsync("eng/docker/build-base-image.sh", BaseImage); // nothing to do when the image exists
var project = Path.Combine(root, "benchmarks", "DockerFanOut", "FanOutPipeline", "FanOutPipeline.csproj");
var build = await Shell.RunAsync("dotnet", ["build", project, "-c", "Release", "--nologo", "-v", "q"]);
if (build.ExitCode != 0)
{
    Console.Error.WriteLine($"The pipeline program did not build: {build}");
    return 2;
}

var program = Path.Combine(root, "benchmarks", "DockerFanOut", "FanOutPipeline", "bin", "Release", "net10.0", "FanOutPipeline.dll");
var home = Directory.CreateTempSubdirectory("stepoperator-p7-");
var environment = new Dictionary<string, string?>
{
    ["STEPOPERATOR_CONFIG"] = Path.Combine(home.FullName, "config.json"),
    ["STEPOPERATOR_BASE_IMAGE"] = BaseImage,
    ["STEPOPERATOR_REGISTRY"] = null, // the image stays on the local engine
    ["STEPOPERATOR_MAX_PARALLEL_STEPS"] = null, // the orchestrator's default: unlimited
    ["STEPOPERATOR_STACK"] = null,
};

async Task<Sample> RunAsync(string pipeline)
{
    var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
    var before = Directory.Exists(Path.Combine(home.FullName, "runs")) ? Directory.GetDirectories(Path.Combine(home.FullName, "runs")).ToHashSet() : [];
    var run = await Shell.RunAsync("dotnet", [program, pipeline, "--stack", "docker", "--home", home.FullName], environment, timeout: TimeSpan.FromMinutes(5));
    if (run.ExitCode != 0)
    {
        throw new InvalidOperationException($"{pipeline} failed: {run}");
    }

    var directory = Directory.GetDirectories(Path.Combine(home.FullName, "runs")).Single(d => !before.Contains(d) && File.Exists(Path.Combine(d, "run.json")));
    var record = RunRecord.Load(Path.Combine(directory, "run.json"));
    var steps = record.Steps.Where(s => s.Step == "Sleep").ToList();
    var expected = pipeline == "One" ? 1 : 8;
    if (steps.Count != expected || steps.Any(s => s.Status != StepStatus.Succeeded || s.StepOperator != "docker"))
    {
        throw new InvalidOperationException($"{pipeline}: expected {expected} Sleep steps run on docker, found {steps.Count}: {run}");
    }

    // The containers' lifecycle as the engine reports it: created → started → died.
    var events = await Shell.RunAsync("docker", ["events", "--since", since.ToString(CultureInfo.InvariantCulture),
        "--until", (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture),
        "--filter", "type=container", "--filter", $"label=io.stepoperator.run-id={record.RunId}", "--format", "{{.TimeNano}} {{.Action}} {{.Actor.ID}}"]);
    var lifecycle = events.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' '))
        .Where(p => p.Length == 3).GroupBy(p => p[2])
        .Select(g => g.GroupBy(p => p[1]).ToDictionary(a => a.Key, a => long.Parse(a.First()[0], CultureInfo.InvariantCulture) / 1e9)).ToList();
    double MedianBetween(string from, string to) =>
        Results.Median(lifecycle.Where(c => c.ContainsKey(from) && c.ContainsKey(to)).Select(c => c[to] - c[from]));

    var firstStart = steps.Min(s => s.StartedAt!.Value);
    var lastEnd = steps.Max(s => s.FinishedAt!.Value);
    return new Sample(
        pipeline,
        run.Elapsed.TotalSeconds,
        (record.FinishedAt!.Value - record.StartedAt).TotalSeconds,
        (lastEnd - firstStart).TotalSeconds,
        Results.Median(steps.Select(s => s.DurationSeconds!.Value)),
        steps.Max(s => s.StartedAt!.Value) - firstStart,
        lifecycle.Count,
        MedianBetween("create", "start"),
        MedianBetween("start", "die"),
        MedianBetween("die", "destroy"));
}

try
{
    Console.WriteLine("Warm-up: the first run builds the image ...");
    var warm = await RunAsync("One");
    Console.WriteLine($"  warm-up One: {warm.WallSeconds:0.00} s");
    var samples = new List<(Sample One, Sample Eight)>();
    for (var round = 0; round < rounds; round++)
    {
        // Alternate which goes first, so neither always runs right after the other.
        Sample one, eight;
        if (round % 2 == 0)
        {
            one = await RunAsync("One");
            eight = await RunAsync("Eight");
        }
        else
        {
            eight = await RunAsync("Eight");
            one = await RunAsync("One");
        }

        samples.Add((one, eight));
        Console.WriteLine($"round {round + 1}: One {one.WallSeconds:0.00} s (steps {one.StepsSpanSeconds:0.00} s, in container {one.StartToDie:0.00} s), " +
            $"Eight {eight.WallSeconds:0.00} s (steps {eight.StepsSpanSeconds:0.00} s, in container {eight.StartToDie:0.00} s, {eight.Containers} containers), ratio {eight.WallSeconds / one.WallSeconds:0.00}");
    }

    var wallRatios = samples.Select(s => s.Eight.WallSeconds / s.One.WallSeconds).ToList();
    var oneWall = Results.Median(samples.Select(s => s.One.WallSeconds));
    var eightWall = Results.Median(samples.Select(s => s.Eight.WallSeconds));
    var ratio = eightWall / oneWall;
    var runRatio = Results.Median(samples.Select(s => s.Eight.RunSeconds)) / Results.Median(samples.Select(s => s.One.RunSeconds));
    var stepsRatio = Results.Median(samples.Select(s => s.Eight.StepsSpanSeconds)) / Results.Median(samples.Select(s => s.One.StepsSpanSeconds));
    var met = ratio <= Goal;

    var report = new StringBuilder();
    report.AppendLine("## 8 independent 2 s steps on the docker stack vs one");
    report.AppendLine();
    report.AppendLine($"Command: `dotnet run -c Release --project benchmarks/DockerFanOut -- --rounds {rounds}`  ");
    report.AppendLine($"Machine: {Results.Machine()}, Docker {DockerVersion()}; {Results.Revision()}.");
    report.AppendLine();
    report.AppendLine("`benchmarks/DockerFanOut/FanOutPipeline`: `[Step(EnableCache = false)] Sleep` waits 2 s; pipeline `One` submits it once, `Eight` submits it eight times " +
        "and awaits `Task.WhenAll` over `ValueAsync()`. Each run is `dotnet FanOutPipeline.dll <pipeline> --stack docker` (image kept on the local engine, built by a warm-up run; " +
        $"base image {BaseImage}; parallelism unlimited, the default). {rounds} rounds, One and Eight alternately first; medians. " +
        "Wall = the whole program, process start to exit (what the user waits for); run = run.json's startedAt → finishedAt; steps = first step start → last step end (run.json).");
    report.AppendLine();
    report.AppendLine("| measure | One (s) | Eight (s) | Eight / One |");
    report.AppendLine("|---|---|---|---|");
    report.AppendLine($"| **wall time (goal ≤ {Goal}×)** | {Results.F(oneWall)} | {Results.F(eightWall)} | **{Results.F(ratio)}×** (per round: {Results.List(wallRatios)}) |");
    report.AppendLine($"| run (run.json) | {Results.F(Results.Median(samples.Select(s => s.One.RunSeconds)))} | {Results.F(Results.Median(samples.Select(s => s.Eight.RunSeconds)))} | {Results.F(runRatio)}× |");
    report.AppendLine($"| steps span | {Results.F(Results.Median(samples.Select(s => s.One.StepsSpanSeconds)))} | {Results.F(Results.Median(samples.Select(s => s.Eight.StepsSpanSeconds)))} | {Results.F(stepsRatio)}× |");
    report.AppendLine($"| one step's duration (median) | {Results.F(Results.Median(samples.Select(s => s.One.StepSeconds)))} | {Results.F(Results.Median(samples.Select(s => s.Eight.StepSeconds)))} | |");
    report.AppendLine($"| last step start after first (Eight) | | {Results.F(Results.Median(samples.Select(s => s.Eight.StartSpread.TotalSeconds)))} | |");
    report.AppendLine($"| container created → started (engine events, median) | {Results.F(Results.Median(samples.Select(s => s.One.CreateToStart)))} | {Results.F(Results.Median(samples.Select(s => s.Eight.CreateToStart)))} | |");
    report.AppendLine($"| container started → exited: the step process inside | {Results.F(Results.Median(samples.Select(s => s.One.StartToDie)))} | {Results.F(Results.Median(samples.Select(s => s.Eight.StartToDie)))} | |");
    report.AppendLine($"| container exited → removed | {Results.F(Results.Median(samples.Select(s => s.One.DieToDestroy)))} | {Results.F(Results.Median(samples.Select(s => s.Eight.DieToDestroy)))} | |");
    report.AppendLine();
    report.AppendLine($"Goal ≤ {Goal}×: **{(met ? "met" : "missed")}** ({Results.F(ratio)}×).");
    Results.Publish("DockerFanOut", report, writeResults);

    return met ? 0 : 1;
}
finally
{
    home.Delete(recursive: true);
}

static string DockerVersion()
{
    var version = Shell.RunAsync("docker", ["version", "--format", "{{.Server.Version}}"]).GetAwaiter().GetResult();
    return version.ExitCode == 0 ? version.Output.Trim() : "?";
}

/// <summary>One run of a pipeline.</summary>
internal sealed record Sample(
    string Pipeline, double WallSeconds, double RunSeconds, double StepsSpanSeconds, double StepSeconds, TimeSpan StartSpread,
    int Containers, double CreateToStart, double StartToDie, double DieToDestroy);
