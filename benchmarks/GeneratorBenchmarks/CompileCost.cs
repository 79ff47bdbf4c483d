using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Benchmarks;
using static StepOperator.Benchmarks.Support.Results;
using StepOperator.Benchmarks.Support;

namespace GeneratorBenchmarks;

/// <summary>
/// Compiles a 1,000-[ModalStep] library in-process three ways, interleaved round by round:
/// the compiler alone; with the generator; with the generator and every StepOperator analyzer. Two
/// more variants measure the floor of any generator and analyzer of this kind (see <see cref="Floors"/>).
/// "Compiling" is parsing every file, creating the compilation and getting all its diagnostics
/// (every method body bound); the generator runs in a fresh CSharpGeneratorDriver each time (a
/// cold build); analyzers run through CompilationWithAnalyzers.GetAllDiagnosticsAsync, which
/// drives the same compilation pass. Goal: with generator and analyzers ≤ 1.15× the compiler alone.
/// </summary>
internal static class CompileCost
{
    private const double Goal = 1.15;

    private enum Variant
    {
        Compiler,
        CompilerAndGenerator,
        CompilerGeneratorAndAnalyzers,

        // For information: the floor any generator and analyzer of this kind pays on top of the compiler.
        CompilerAndEmptyAnalyzer,
        CompilerAttributeOnlyGeneratorAndEmptyAnalyzer,
    }

    public static async Task<int> RunAsync(string command, int steps, int rounds, int warmup, bool concurrent)
    {
        var files = SyntheticProject.Create(steps, plainStepEvery: 0, withPipeline: false);
        var analyzers = Roslyn.CreateAnalyzers();
        var analyzerNames = string.Join(", ", analyzers.Select(a => a.GetType().Name));
        var lines = files.Sum(f => f.Text.Count(c => c == '\n'));
        Console.WriteLine($"Compile cost: {steps} [ModalStep] in {files.Count} files ({lines} lines); analyzers: {analyzerNames}; " +
            $"{(concurrent ? "concurrent" : "single-threaded")} build and analysis; {warmup} warm-up + {rounds} measured rounds");

        // Once, checked: every variant compiles cleanly, and what the generator adds.
        var check = await CompileAsync(files, Variant.CompilerGeneratorAndAnalyzers, analyzers, concurrent, verify: true);
        var baseline = await CompileAsync(files, Variant.Compiler, analyzers, concurrent, verify: true);
        if (check is null || baseline is null)
        {
            return 1;
        }

        var samples = Enum.GetValues<Variant>().ToDictionary(v => v, _ => new List<Measured>());
        var variants = Enum.GetValues<Variant>();
        // The report gives the share of the run's time some task waited for a CPU (outside work on this machine moves the figures).
        Results.MarkPressure();
        for (var round = 0; round < warmup + rounds; round++)
        {
            // Rotate the order each round, so no variant always runs first (or right after a GC-heavy one).
            for (var k = 0; k < variants.Length; k++)
            {
                var variant = variants[(round + k) % variants.Length];
                var sample = await CompileAsync(files, variant, analyzers, concurrent, verify: false);
                if (round >= warmup)
                {
                    samples[variant].Add(sample!);
                }
            }

            if (round >= warmup)
            {
                var r = round - warmup;
                Console.WriteLine($"  round {r + 1,2}: compiler {samples[Variant.Compiler][r].WallMs,6:0} ms, " +
                    $"+generator {samples[Variant.CompilerAndGenerator][r].WallMs,6:0} ms, " +
                    $"+generator+analyzers {samples[Variant.CompilerGeneratorAndAnalyzers][r].WallMs,6:0} ms");
            }
            else
            {
                Console.WriteLine($"  warm-up {round + 1}");
            }
        }

        double MedianWall(Variant v) => Median(samples[v].Select(s => s.WallMs));
        double MedianCpu(Variant v) => Median(samples[v].Select(s => s.CpuMs));
        double RoundRatio(Variant v, Func<Measured, double> metric) =>
            Median(samples[v].Zip(samples[Variant.Compiler], (a, b) => metric(a) / metric(b)));

        var full = RoundRatio(Variant.CompilerGeneratorAndAnalyzers, s => s.WallMs);
        var met = full <= Goal;

        var report = new StringBuilder();
        report.AppendLine("## Compile cost of the generator and analyzers");
        report.AppendLine();
        report.AppendLine($"**Goal:** compiling with the generator and analyzers ≤ {Goal:0.00}× the compiler alone. **Measured: {full:0.000}× — {(met ? "met" : "missed")}** (median of per-round ratios of wall time).");
        report.AppendLine();
        report.AppendLine($"Project: a library of {steps} `[ModalStep]` methods (4 signature shapes, varied valid resource settings, bodies of 5–10 lines) in {files.Count - 2} types of {SyntheticProject.StepsPerType} plus 2 files without steps; {lines} lines. " +
            $"Compile = parse every file + create the compilation + all diagnostics (every method body bound; no IL emitted), in-process with Microsoft.CodeAnalysis.CSharp {typeof(Compilation).Assembly.GetName().Version}, " +
            $"{(concurrent ? "concurrent build and analysis" : "concurrentBuild: false, concurrentAnalysis: false")}. " +
            $"The generator runs in a fresh CSharpGeneratorDriver each time (a cold build) and adds {check.GeneratedFiles} files ({check.GeneratedLines} lines); " +
            $"the analyzers ({analyzerNames}) run through CompilationWithAnalyzers.GetAllDiagnosticsAsync on the generator's output; 0 errors and 0 analyzer diagnostics in every variant. " +
            $"{warmup} warm-up rounds, then {rounds} rounds, each running the {variants.Length} variants in rotating order.");
        report.AppendLine();
        report.AppendLine("| variant | median wall ms | median CPU ms | ratio (wall, per round) | ratio (CPU, per round) | generator ms |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var v in variants)
        {
            var name = v switch
            {
                Variant.Compiler => "compiler alone",
                Variant.CompilerAndGenerator => "+ generator",
                Variant.CompilerGeneratorAndAnalyzers => "**+ generator + analyzers** (the goal's measure)",
                Variant.CompilerAndEmptyAnalyzer => "floor: + an analyzer that registers nothing",
                _ => "floor: + a generator that only finds the 1,000 attributes + an analyzer that registers nothing",
            };
            var generator = v == Variant.Compiler ? "–" : $"{Median(samples[v].Select(s => s.GeneratorMs)):0}";
            report.AppendLine($"| {name} | {MedianWall(v):0} | {MedianCpu(v):0} | {RoundRatio(v, s => s.WallMs):0.000}× | {RoundRatio(v, s => s.CpuMs):0.000}× | {generator} |");
        }

        report.AppendLine();
        var floor = RoundRatio(Variant.CompilerAttributeOnlyGeneratorAndEmptyAnalyzer, s => s.WallMs);
        report.AppendLine($"The floor rows measure what any generator and analyzer pair of this kind costs before doing any work: " +
            $"CompilationWithAnalyzers with an analyzer that registers no action, and a generator whose only work is one " +
            $"ForAttributeWithMetadataName over the `[ModalStep]` methods (it emits nothing). Together they already reach " +
            $"**{floor:0.000}×**{(floor > Goal ? $", above the {Goal:0.00}× goal before a line is generated or analysed" : string.Empty)}.");
        report.AppendLine();
        report.AppendLine($"Machine: {Results.Machine()}. Source: {Results.Revision()}.");
        report.AppendLine();
        report.AppendLine($"Command: `{command}`");

        Results.Publish("GeneratorCompileCost", report);
        return met ? 0 : 1;
    }

    private static CompilationWithAnalyzersOptions AnalyzerOptions(bool concurrent) =>
        new(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: concurrent,
            logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false);

    private sealed record Measured(double WallMs, double CpuMs, double GeneratorMs, int GeneratedFiles, int GeneratedLines);

    private static async Task<Measured?> CompileAsync(
        IReadOnlyList<SourceFile> files, Variant variant, ImmutableArray<DiagnosticAnalyzer> analyzers, bool concurrent, bool verify)
    {
        // Each measurement starts from a collected heap, so no variant pays for another's garbage.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();

        var compilation = Roslyn.Compilation(files.Select(Roslyn.Parse), OutputKind.DynamicallyLinkedLibrary, concurrent);
        ImmutableArray<Diagnostic> diagnostics;
        Compilation final = compilation;
        var generatorMs = 0.0;
        if (variant == Variant.Compiler)
        {
            diagnostics = compilation.GetDiagnostics();
        }
        else if (variant == Variant.CompilerAndEmptyAnalyzer)
        {
            diagnostics = await compilation.WithAnalyzers(Floors.EmptyAnalyzer, AnalyzerOptions(concurrent)).GetAllDiagnosticsAsync();
        }
        else
        {
            var generatorStart = watch.Elapsed;
            var driver = variant == Variant.CompilerAttributeOnlyGeneratorAndEmptyAnalyzer
                ? Roslyn.CreateDriver(Floors.AttributeOnlyGenerator(), trackSteps: false)
                : Roslyn.CreateDriver(trackSteps: false);
            driver.RunGeneratorsAndUpdateCompilation(compilation, out final, out var generatorDiagnostics);
            generatorMs = (watch.Elapsed - generatorStart).TotalMilliseconds;
            if (variant == Variant.CompilerAndGenerator)
            {
                diagnostics = generatorDiagnostics.AddRange(final.GetDiagnostics());
            }
            else
            {
                var set = variant == Variant.CompilerGeneratorAndAnalyzers ? analyzers : Floors.EmptyAnalyzer;
                diagnostics = generatorDiagnostics.AddRange(await final.WithAnalyzers(set, AnalyzerOptions(concurrent)).GetAllDiagnosticsAsync());
            }
        }

        watch.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;

        var generated = final.SyntaxTrees.Skip(files.Count).ToList();
        if (variant is Variant.CompilerAndEmptyAnalyzer or Variant.CompilerAttributeOnlyGeneratorAndEmptyAnalyzer && generated.Count > 0)
        {
            throw new InvalidOperationException("A floor variant generated code; it must measure the fixed costs only.");
        }

        var measured = new Measured(watch.Elapsed.TotalMilliseconds, cpu, generatorMs, generated.Count,
            generated.Sum(t => t.GetText().Lines.Count));
        if (verify)
        {
            // Warnings are allowed (none are expected); errors or any StepOperator diagnostic mean the project is not what the compile-cost benchmark measures.
            var problems = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error || d.Id.StartsWith("SOP", StringComparison.Ordinal)).ToList();
            Console.WriteLine($"  check {variant}: {diagnostics.Length} diagnostics, {problems.Count} errors or SOP diagnostics, {generated.Count} generated files");
            if (problems.Count > 0)
            {
                Console.Error.WriteLine(string.Join(Environment.NewLine, problems.Take(5)));
                return null;
            }
        }

        return measured;
    }
}
