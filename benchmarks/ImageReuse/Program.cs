using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using StepOperator.Benchmarks.ImageReuse;
using StepOperator.Benchmarks.Support;
using StepOperator.Docker;
using StepOperator.Runs;

// Image builds and bytes pushed on the docker stack.
// A copy of samples/TrainingPipeline is built (variant 0) and then edited one line at a time
// (variants 1..N: one Console.WriteLine in the MakeDataset step changes) and rebuilt. Against a
// fresh htpasswd registry, reached through a byte-counting relay, the program runs as a user runs it
// (`dotnet TrainingPipeline.dll --stack docker`): variant 0 cold (builds and pushes everything),
// variant 0 again (goal: 0 builds, 0 bytes pushed), variant 0 with --no-cache (steps run; same goal),
// then each edited variant (goal: bytes sent to the registry <= 1.1x the application's size, the
// program's own files that make the image's last layer). Writes benchmarks/RESULTS.md, section ImageReuse.
//
// Usage: dotnet run -c Release --project benchmarks/ImageReuse [-- --edits 3] [--no-results]

var edits = 3;
var writeResults = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--edits": edits = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-results": writeResults = false; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}."); return 2;
    }
}

const double Goal = 1.1;
const string BaseImage = "stepoperator/dotnet-runtime:10.0";
const string EditedLine = "Console.WriteLine($\"made {samples} samples (seed {seed})\");";
var root = Results.RepositoryRoot;
Results.MarkPressure();
var work = Directory.CreateTempSubdirectory("stepoperator-p4-");
try
{
    await Shell.ScriptAsync("eng/docker/build-base-image.sh", BaseImage); // nothing to do when it exists

    // The program: samples/TrainingPipeline copied, with its import of StepOperator pointing back into this repository.
    var source = Path.Combine(work.FullName, "TrainingPipeline");
    Directory.CreateDirectory(source);
    foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "samples", "TrainingPipeline")).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
    {
        File.Copy(file, Path.Combine(source, Path.GetFileName(file)));
    }

    var projectFile = Path.Combine(source, "TrainingPipeline.csproj");
    var project = File.ReadAllText(projectFile);
    project = project.Replace(@"..\..\eng\StepOperator.FromSource.props", Path.Combine(root, "eng", "StepOperator.FromSource.props"), StringComparison.Ordinal)
        .Replace("</PropertyGroup>", "  <Nullable>enable</Nullable>\n    <LangVersion>latest</LangVersion>\n  </PropertyGroup>", StringComparison.Ordinal);
    File.WriteAllText(projectFile, project);
    var stepsFile = Path.Combine(source, "TrainingSteps.cs");
    var original = File.ReadAllText(stepsFile);
    if (!original.Contains(EditedLine, StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"samples/TrainingPipeline/TrainingSteps.cs no longer has the line this benchmark edits: {EditedLine}");
    }

    var outputs = new List<string>();
    for (var k = 0; k <= edits; k++)
    {
        var text = k == 0 ? original : original.Replace(EditedLine, EditedLine.Replace("(seed {seed})", $"(seed {{seed}}), edit {k}", StringComparison.Ordinal), StringComparison.Ordinal);
        File.WriteAllText(stepsFile, text);
        Console.WriteLine(k == 0 ? "Building the program ..." : $"Building edit {k} ...");
        var build = await Shell.RunAsync("dotnet", ["build", projectFile, "-c", "Release", "--nologo", "-v", "q"]);
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"The program did not build: {build}");
        }

        var output = Path.Combine(work.FullName, $"out{k}");
        CopyDirectory(Path.Combine(source, "bin", "Release", "net10.0"), output);
        outputs.Add(output);
    }

    // What goes into the image, per variant: the application layer (the program's own files) and the dependencies layer.
    var contexts = new List<ImageBuildContext>();
    foreach (var output in outputs)
    {
        contexts.Add(await ImageBuildContext.FromDirectoryAsync(output, "TrainingPipeline.dll", BaseImage, CancellationToken.None));
    }

    string DepsHash(ImageBuildContext c) => string.Join("\n", c.Files.Where(f => !f.IsApplication).Select(f => $"{f.RelativePath} {f.Sha256}"));
    if (contexts.Any(c => DepsHash(c) != DepsHash(contexts[0])))
    {
        throw new InvalidOperationException("The dependencies differ between the variants (was src/ rebuilt meanwhile?); only the program's own files may change.");
    }

    long AppBytes(ImageBuildContext c) => c.Files.Where(f => f.IsApplication).Sum(f => new FileInfo(f.FullPath).Length);
    var appFiles = string.Join(", ", contexts[0].Files.Where(f => f.IsApplication).Select(f => $"{f.RelativePath} {new FileInfo(f.FullPath).Length:N0}"));
    var depsBytes = contexts[0].Files.Where(f => !f.IsApplication).Sum(f => new FileInfo(f.FullPath).Length);

    using var registry = await TestRegistry.StartAsync();
    using var proxy = new CountingProxy(registry.Port);
    var home = Path.Combine(work.FullName, "home");
    var environment = new Dictionary<string, string?>
    {
        ["STEPOPERATOR_CONFIG"] = Path.Combine(home, "config.json"),
        ["STEPOPERATOR_REGISTRY"] = $"127.0.0.1:{proxy.Port}",
        ["STEPOPERATOR_REGISTRY_USERNAME"] = TestRegistry.User,
        ["STEPOPERATOR_REGISTRY_PASSWORD"] = registry.Password,
        ["STEPOPERATOR_BASE_IMAGE"] = BaseImage,
        ["STEPOPERATOR_DOCKER_GPUS"] = "ignore",
        ["STEPOPERATOR_STACK"] = null,
    };

    var runs = new List<RunFigures>();
    async Task<RunFigures> RunAsync(string label, int variant, params string[] extra)
    {
        var logBefore = RegistryRequests(registry);
        var (toBefore, fromBefore) = (proxy.ToRegistry, proxy.FromRegistry);
        var (blobBytesBefore, blobsBefore) = (registry.BlobBytes(), registry.BlobCount());
        var runsDirectory = Path.Combine(home, "runs");
        var known = Directory.Exists(runsDirectory) ? Directory.GetDirectories(runsDirectory).ToHashSet() : [];
        var run = await Shell.RunAsync("dotnet", [Path.Combine(outputs[variant], "TrainingPipeline.dll"), "--stack", "docker", "--home", home, .. extra], environment, timeout: TimeSpan.FromMinutes(10));
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{label} failed: {run}");
        }

        await Task.Delay(500); // the registry writes its log line after the response
        var logAfter = RegistryRequests(registry);
        var directory = Directory.GetDirectories(runsDirectory).Single(d => !known.Contains(d) && File.Exists(Path.Combine(d, "run.json")));
        var record = RunRecord.Load(Path.Combine(directory, "run.json"));
        var figures = new RunFigures(
            label,
            variant,
            Count(run.Output, "[image] building image"),
            Count(run.Output, "[image] pushing image"),
            proxy.ToRegistry - toBefore,
            proxy.FromRegistry - fromBefore,
            registry.BlobBytes() - blobBytesBefore,
            registry.BlobCount() - blobsBefore,
            logAfter.Uploads - logBefore.Uploads,
            logAfter.All - logBefore.All,
            record.Steps.Count(s => s.Status == StepStatus.Succeeded && s.Cache?.Hit != true),
            record.Steps.Count,
            AppBytes(contexts[variant]),
            run.Elapsed.TotalSeconds,
            run.Output.Split('\n').Count(l => l.TrimEnd().EndsWith(": Pushed", StringComparison.Ordinal)),
            run.Output.Split('\n').Where(l => l.Contains("[image]", StringComparison.Ordinal)).Select(l => l.Trim()).ToList());
        Console.WriteLine($"{label}: {figures.Builds} build(s), {figures.Pushes} push(es), {figures.ToRegistry:N0} bytes to the registry ({figures.UploadRequests} upload requests, " +
            $"{figures.StoredBytes:N0} new blob bytes in {figures.NewBlobs} blobs), {figures.StepsExecuted}/{figures.StepCalls} steps executed, {figures.WallSeconds:0.0} s");
        foreach (var line in figures.ImageLines)
        {
            Console.WriteLine("    " + line);
        }

        runs.Add(figures);
        return figures;
    }

    await RunAsync("first run (cold registry)", 0);
    var unchanged = await RunAsync("second run, unchanged code", 0);
    var unchangedNoCache = await RunAsync("third run, unchanged code, --no-cache", 0, "--no-cache");
    var edited = new List<RunFigures>();
    for (var k = 1; k <= edits; k++)
    {
        edited.Add(await RunAsync($"after one-line edit {k}", k));
    }

    var unchangedMet = new[] { unchanged, unchangedNoCache }.All(r => r.Builds == 0 && r.Pushes == 0 && r.UploadRequests == 0 && r.StoredBytes == 0);
    var ratios = edited.Select(r => (double)r.ToRegistry / r.AppBytes).ToList();
    var storedRatios = edited.Select(r => (double)r.StoredBytes / r.AppBytes).ToList();
    // Every edit must meet it: one that re-sends the dependencies is a miss, whatever the median.
    var editMet = ratios.Count > 0 && ratios.All(r => r <= Goal) && edited.All(r => r.Builds == 1);

    var report = new StringBuilder();
    report.AppendLine("## Image reuse on the docker stack");
    report.AppendLine();
    report.AppendLine($"Command: `dotnet run -c Release --project benchmarks/ImageReuse -- --edits {edits}`  ");
    report.AppendLine($"Machine: {Results.Machine()}, Docker {DockerVersion()}; {Results.Revision()}.");
    report.AppendLine();
    report.AppendLine("A copy of `samples/TrainingPipeline` runs as `dotnet TrainingPipeline.dll --stack docker` (image on `" + BaseImage + "`, pushed with credentials to a fresh " +
        "htpasswd registry from `eng/docker/start-registry.sh`). The registry is reached only through a byte-counting TCP relay: *bytes to registry* is everything the Docker " +
        "engine's push and the program's own checks sent to it, HTTP headers included. *Uploads* = blob-upload and manifest PUT/PATCH/POST requests in the registry's log; " +
        "*stored* = growth of the registry's blob store. Builds and pushes are counted from the run's `[image]` lines. A one-line edit changes a `Console.WriteLine` in the " +
        "`MakeDataset` step and rebuilds the program; its dependencies are checked to be byte-identical.");
    report.AppendLine();
    report.AppendLine($"Application size (the image's last layer, the program's own files): {AppBytes(contexts[0]):N0} bytes ({appFiles}); dependencies layer {depsBytes:N0} bytes.");
    report.AppendLine();
    report.AppendLine("| run | builds | pushes | layers pushed | bytes to registry | uploads | stored bytes (blobs) | steps executed | wall s | bytes to registry / app size |");
    report.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
    foreach (var r in runs)
    {
        var ratio = r.Variant > 0 ? $"**{Results.F((double)r.ToRegistry / r.AppBytes)}×** (app {r.AppBytes:N0} B)" : string.Empty;
        report.AppendLine($"| {r.Label} | {r.Builds} | {r.Pushes} | {r.LayersPushed} | {r.ToRegistry:N0} | {r.UploadRequests} | {r.StoredBytes:N0} ({r.NewBlobs}) | {r.StepsExecuted}/{r.StepCalls} | {Results.F(r.WallSeconds, "0.0")} | {ratio} |");
    }

    report.AppendLine();
    report.AppendLine($"- Unchanged code (second run, and third with `--no-cache` so the steps run): builds {unchanged.Builds} and {unchangedNoCache.Builds}, image bytes pushed " +
        $"{unchanged.StoredBytes} and {unchangedNoCache.StoredBytes} (upload requests {unchanged.UploadRequests} and {unchangedNoCache.UploadRequests}; the {unchanged.ToRegistry:N0} and " +
        $"{unchangedNoCache.ToRegistry:N0} bytes sent are the program's credential and tag checks). Goal 0 and 0: **{(unchangedMet ? "met" : "missed")}**.");
    report.AppendLine($"- After a one-line edit: bytes sent to the registry / application size = **{Results.F(Results.Median(ratios))}×** median, **{Results.F(ratios.Max())}×** worst " +
        $"(edits: {Results.List(ratios)}; stored bytes / app size: {Results.List(storedRatios)}). Goal ≤ {Goal}× for every edit: **{(editMet ? "met" : "missed")}**.");
    Results.Publish("ImageReuse", report, writeResults);

    await RemoveImagesAsync($"127.0.0.1:{proxy.Port}/");
    return unchangedMet && editMet ? 0 : 1;
}
finally
{
    try
    {
        work.Delete(recursive: true);
    }
    catch (IOException)
    {
    }
}

static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

// Requests in the registry's log: all of them, and those that upload (blob upload start/chunk/finish, manifest put).
static (int All, int Uploads) RegistryRequests(TestRegistry registry)
{
    var log = Path.Combine(registry.StateDirectory, "registry.log");
    var lines = File.Exists(log) ? File.ReadAllLines(log).Where(l => l.Contains("msg=\"response completed\"", StringComparison.Ordinal)).ToList() : [];
    var uploads = lines.Count(l =>
        Regex.IsMatch(l, @"http\.request\.method=(POST|PATCH|PUT) ") &&
        (l.Contains("/blobs/uploads", StringComparison.Ordinal) || l.Contains("/manifests/", StringComparison.Ordinal)));
    return (lines.Count, uploads);
}

static void CopyDirectory(string from, string to)
{
    foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
    {
        var target = Path.Combine(to, Path.GetRelativePath(from, file));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(file, target, overwrite: true);
    }
}

static string DockerVersion()
{
    var version = Shell.RunAsync("docker", ["version", "--format", "{{.Server.Version}}"]).GetAwaiter().GetResult();
    return version.ExitCode == 0 ? version.Output.Trim() : "?";
}

// The images this benchmark made are tagged with its relay's address: not worth keeping on the engine.
static async Task RemoveImagesAsync(string prefix)
{
    var list = await Shell.RunAsync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    var tags = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    if (tags.Count > 0)
    {
        await Shell.RunAsync("docker", ["rmi", .. tags]);
    }
}

/// <summary>What one run of the program did to the image and the registry.</summary>
internal sealed record RunFigures(
    string Label,
    int Variant,
    int Builds,
    int Pushes,
    long ToRegistry,
    long FromRegistry,
    long StoredBytes,
    int NewBlobs,
    int UploadRequests,
    int Requests,
    int StepsExecuted,
    int StepCalls,
    long AppBytes,
    double WallSeconds,
    int LayersPushed,
    List<string> ImageLines);
