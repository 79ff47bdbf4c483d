using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using StepOperator.Benchmarks;
using StepOperator.Generators;
using static StepOperator.Benchmarks.Support.Results;
using StepOperator.Benchmarks.Support;

namespace GeneratorBenchmarks;

/// <summary>
/// Runs the generator over a 1,000-step program, applies one unrelated edit, runs it again and
/// counts the run reason of every output of every tracked step. Goal: 100% Cached or Unchanged.
/// </summary>
internal static class Incrementality
{
    private static readonly string[] OurTrackingNames =
    [
        StepGenerator.TrackingNames.Steps,
        StepGenerator.TrackingNames.ModalSteps,
        StepGenerator.TrackingNames.Pipelines,
        StepGenerator.TrackingNames.Valid,
        StepGenerator.TrackingNames.All,
        StepGenerator.TrackingNames.StubGroups,
        StepGenerator.TrackingNames.Main,
    ];

    private sealed record Edit(string Name, Func<CSharpCompilation, CSharpCompilation> Apply);

    private sealed record Outcome(string Edit, Dictionary<string, Dictionary<IncrementalStepRunReason, int>> Ours,
        Dictionary<string, Dictionary<IncrementalStepRunReason, int>> Roslyns, double Milliseconds)
    {
        public int Total => Ours.Values.Sum(r => r.Values.Sum());

        public int Good => Ours.Values.Sum(r => r.Where(p => IsGood(p.Key)).Sum(p => p.Value));
    }

    public static int Run(string command, int steps)
    {
        // Every tenth step is a [Step], the rest [ModalStep]; one pipeline; a console program, so Main is generated.
        var files = SyntheticProject.Create(steps, plainStepEvery: 10, withPipeline: true);
        var compilation = Roslyn.Compilation(files.Select(Roslyn.Parse), OutputKind.ConsoleApplication, concurrentBuild: true);

        var watch = Stopwatch.StartNew();
        var driver = Roslyn.CreateDriver(trackSteps: true).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var coldMs = watch.Elapsed.TotalMilliseconds;
        var first = driver.GetRunResult().Results.Single();
        var generatedFiles = first.GeneratedSources.Length;
        var errors = output.GetDiagnostics().Concat(generatorDiagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Console.WriteLine($"Generator incrementality: {steps} steps in {files.Count} files; first run {coldMs:0} ms, {generatedFiles} generated files, {errors.Count} compile errors");
        if (errors.Count > 0 || first.Exception is not null)
        {
            Console.Error.WriteLine("The synthetic project does not compile with the generator:");
            Console.Error.WriteLine(first.Exception?.ToString() ?? Roslyn.Errors(errors));
            return 1;
        }

        var edits = new[]
        {
            new Edit("method body changed in a file without steps (Helpers.cs)",
                c => ReplaceText(c, SyntheticProject.HelpersPath, SyntheticProject.HelpersBodyMarker, "0.25 * value")),
            new Edit("comment added to a file without steps (Helpers.cs)",
                c => ReplaceText(c, SyntheticProject.HelpersPath, "public static class Numerics", "// A comment.\npublic static class Numerics")),
            new Edit("new file without steps added",
                c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Bench; public static class Added { public static int Answer() => 42; }", Roslyn.ParseOptions, path: "Added.cs"))),
            new Edit("comment added to a file with 20 steps (Steps/Group000.cs)",
                c => ReplaceText(c, SyntheticProject.StepFilePath(0), "public static partial class", "// A comment.\npublic static partial class")),
            new Edit("body of a step method changed (Step0000 in Steps/Group000.cs)",
                c => ReplaceText(c, SyntheticProject.StepFilePath(0), "i + 0);", "i + 1000);")),
        };

        var outcomes = new List<Outcome>();
        foreach (var edit in edits)
        {
            var edited = edit.Apply(compilation);
            watch.Restart();
            var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
            var ms = watch.Elapsed.TotalMilliseconds;
            if (result.Exception is not null)
            {
                Console.Error.WriteLine($"The generator threw after edit '{edit.Name}': {result.Exception}");
                return 1;
            }

            var ours = new Dictionary<string, Dictionary<IncrementalStepRunReason, int>>(StringComparer.Ordinal);
            var roslyns = new Dictionary<string, Dictionary<IncrementalStepRunReason, int>>(StringComparer.Ordinal);
            foreach (var (name, runs) in result.TrackedSteps.Where(s => !result.TrackedOutputSteps.ContainsKey(s.Key)))
            {
                Count(OurTrackingNames.Contains(name) ? ours : roslyns, name, runs);
            }

            // The source outputs are the generator's own steps too: they must be cached for nothing to be re-emitted.
            foreach (var (name, runs) in result.TrackedOutputSteps)
            {
                Count(ours, name, runs);
            }

            outcomes.Add(new Outcome(edit.Name, ours, roslyns, ms));
        }

        var total = outcomes.Sum(o => o.Total);
        var good = outcomes.Sum(o => o.Good);
        var percent = total == 0 ? 0 : 100.0 * good / total;
        var met = total > 0 && good == total;

        var report = new StringBuilder();
        report.AppendLine("## Generator incrementality after an unrelated edit");
        report.AppendLine();
        report.AppendLine($"**Goal:** 100% of tracked generator step outputs Cached/Unchanged. **Measured: {percent:0.0}% ({good}/{total}) — {(met ? "met" : "missed")}.**");
        report.AppendLine();
        report.AppendLine($"Project: {steps} steps ({steps - steps / 10} `[ModalStep]`, {steps / 10} `[Step]`) in {files.Count - 3} types of {SyntheticProject.StepsPerType}, one `[Pipeline]`, console program (Main generated). " +
            $"First run {coldMs:0} ms, {generatedFiles} generated files, 0 compile errors. Each edit is applied to the state after the first run " +
            "(CSharpGeneratorDriver, `GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true)`); " +
            $"counted: every output of the generator's tracking names ({string.Join(", ", OurTrackingNames)}) and of its source-output steps.");
        report.AppendLine();
        report.AppendLine("| edit | outputs | Cached | Unchanged | Modified | New | Removed | Cached/Unchanged | rerun ms (single run, for information) |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var o in outcomes)
        {
            int Sum(IncrementalStepRunReason reason) => o.Ours.Values.Sum(r => r.GetValueOrDefault(reason));
            report.AppendLine($"| {o.Edit} | {o.Total} | {Sum(IncrementalStepRunReason.Cached)} | {Sum(IncrementalStepRunReason.Unchanged)} | " +
                $"{Sum(IncrementalStepRunReason.Modified)} | {Sum(IncrementalStepRunReason.New)} | {Sum(IncrementalStepRunReason.Removed)} | {100.0 * o.Good / Math.Max(1, o.Total):0.0}% | {o.Milliseconds:0} |");
        }

        report.AppendLine();
        report.AppendLine("Per tracked step, over all edits (outputs by reason):");
        report.AppendLine();
        report.AppendLine("| tracked step | reasons |");
        report.AppendLine("|---|---|");
        foreach (var name in outcomes.SelectMany(o => o.Ours.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            report.AppendLine($"| {name} | {Describe(outcomes.Select(o => o.Ours.GetValueOrDefault(name)))} |");
        }

        var notGood = outcomes
            .SelectMany(o => o.Ours.Where(s => s.Value.Keys.Any(r => !IsGood(r))).Select(s => $"{s.Key} after \"{o.Edit}\": {Describe([s.Value])}"))
            .ToList();
        report.AppendLine();
        report.AppendLine(notGood.Count == 0
            ? "Steps not Cached/Unchanged: none."
            : "Steps not Cached/Unchanged:\n\n" + string.Join("\n", notGood.Select(s => "- " + s)));
        report.AppendLine();
        report.AppendLine("For information (not counted), Roslyn's own steps inside ForAttributeWithMetadataName, over all edits: " +
            string.Join("; ", outcomes.SelectMany(o => o.Roslyns.Keys).Distinct().Order(StringComparer.Ordinal)
                .Select(n => $"{n}: {Describe(outcomes.Select(o => o.Roslyns.GetValueOrDefault(n)))}")) + ".");
        report.AppendLine();
        report.AppendLine($"Machine: {Results.Machine()}. Source: {Results.Revision()}.");
        report.AppendLine();
        report.AppendLine($"Command: `{command}`");

        Results.Publish("GeneratorIncrementality", report);
        return met ? 0 : 1;
    }

    private static bool IsGood(IncrementalStepRunReason reason) =>
        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;

    private static void Count(Dictionary<string, Dictionary<IncrementalStepRunReason, int>> into, string name, IEnumerable<IncrementalGeneratorRunStep> runs)
    {
        var reasons = into.TryGetValue(name, out var existing) ? existing : into[name] = [];
        foreach (var (_, reason) in runs.SelectMany(r => r.Outputs))
        {
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }
    }

    private static string Describe(IEnumerable<Dictionary<IncrementalStepRunReason, int>?> counts)
    {
        var sum = new SortedDictionary<IncrementalStepRunReason, int>();
        foreach (var (reason, count) in counts.Where(c => c is not null).SelectMany(c => c!))
        {
            sum[reason] = sum.GetValueOrDefault(reason) + count;
        }

        return sum.Count == 0 ? "no outputs" : string.Join(", ", sum.Select(p => $"{p.Key} {p.Value}"));
    }

    private static CSharpCompilation ReplaceText(CSharpCompilation compilation, string path, string from, string to)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        var text = tree.GetText().ToString();
        var at = text.IndexOf(from, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"'{from}' is not in {path}.");
        }

        var changed = tree.WithChangedText(tree.GetText().WithChanges(new TextChange(new TextSpan(at, from.Length), to)));
        return compilation.ReplaceSyntaxTree(tree, changed);
    }
}
