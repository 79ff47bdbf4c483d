using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using static StepOperator.Benchmarks.Support.Results;

namespace GeneratorBenchmarks;

/// <summary>
/// Where the compile cost's extra time goes (a diagnosis aid; writes nothing to RESULTS.md): binding time per
/// file of the generator's output (user files together, generated files one by one, and the
/// largest methods of the slowest file), and the cost of each analyzer alone and of both.
/// </summary>
internal static class CompileCostBreakdown
{
    public static async Task<int> RunAsync(int steps, int repeats)
    {
        var files = SyntheticProject.Create(steps, plainStepEvery: 0, withPipeline: false);

        // Per tree: semantic-model diagnostics bind every member of that tree. User files are summed.
        const string UserFiles = "(user files)";
        var perTree = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var r = 0; r < repeats + 1; r++)
        {
            var final = Generated(files, out _);
            var thisRepeat = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var tree in final.SyntaxTrees)
            {
                var model = final.GetSemanticModel(tree);
                var watch = Stopwatch.StartNew();
                model.GetDiagnostics();
                var name = files.Any(f => f.Path == tree.FilePath) ? UserFiles : Path.GetFileName(tree.FilePath);
                thisRepeat[name] = thisRepeat.GetValueOrDefault(name) + watch.Elapsed.TotalMilliseconds;
            }

            if (r > 0)
            {
                foreach (var (name, ms) in thisRepeat)
                {
                    (perTree.TryGetValue(name, out var list) ? list : perTree[name] = []).Add(ms);
                }
            }
        }

        Console.WriteLine($"Binding time per file (median of {repeats}):");
        foreach (var (name, times) in perTree.OrderByDescending(p => Median(p.Value)).Take(8))
        {
            Console.WriteLine($"  {name,-60} {Median(times),8:0} ms");
        }

        var generatedTotal = Median(Enumerable.Range(0, repeats).Select(i => perTree.Where(p => p.Key != UserFiles).Sum(p => p.Value[i])));
        Console.WriteLine($"  {"(all generated files)",-60} {generatedTotal,8:0} ms");

        // The slowest generated file's largest methods, bound one at a time.
        var finalOnce = Generated(files, out _);
        var slowest = perTree.Where(p => p.Key != UserFiles).OrderByDescending(p => Median(p.Value)).First().Key;
        var slowTree = finalOnce.SyntaxTrees.Single(t => Path.GetFileName(t.FilePath) == slowest);
        var semantic = finalOnce.GetSemanticModel(slowTree);
        var methods = slowTree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .OrderByDescending(m => m.Span.Length).Take(3).ToList();
        Console.WriteLine($"Largest methods of {slowest}:");
        foreach (var method in methods)
        {
            var watch = Stopwatch.StartNew();
            semantic.GetDiagnostics(method.Span);
            Console.WriteLine($"  {method.Identifier.ValueText,-40} {method.GetText().Lines.Count,6} lines {watch.Elapsed.TotalMilliseconds,8:0} ms");
        }

        // Each analyzer alone, and both, against the compiler alone, on the generator's output.
        var analyzers = Roslyn.CreateAnalyzers();
        var sets = analyzers.Select(a => (a.GetType().Name, ImmutableArray.Create(a)))
            .Append(("all analyzers", analyzers))
            .Prepend(("compiler alone", ImmutableArray<DiagnosticAnalyzer>.Empty))
            .ToList();
        Console.WriteLine($"Diagnostics of the generator's output (median of {repeats}):");
        var times2 = sets.ToDictionary(s => s.Item1, _ => new List<double>());
        for (var r = 0; r < repeats + 1; r++)
        {
            foreach (var (name, set) in sets)
            {
                var final = Generated(files, out _);
                GC.Collect();
                var watch = Stopwatch.StartNew();
                if (set.IsEmpty)
                {
                    final.GetDiagnostics();
                }
                else
                {
                    var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false);
                    await final.WithAnalyzers(set, options).GetAllDiagnosticsAsync();
                }

                if (r > 0)
                {
                    times2[name].Add(watch.Elapsed.TotalMilliseconds);
                }
            }
        }

        foreach (var (name, _) in sets)
        {
            Console.WriteLine($"  {name,-40} {Median(times2[name]),8:0} ms");
        }

        return 0;
    }

    private static Compilation Generated(IReadOnlyList<SourceFile> files, out ImmutableArray<Diagnostic> diagnostics)
    {
        var compilation = Roslyn.Compilation(files.Select(Roslyn.Parse), OutputKind.DynamicallyLinkedLibrary, concurrentBuild: false);
        Roslyn.CreateDriver(trackSteps: false).RunGeneratorsAndUpdateCompilation(compilation, out var final, out diagnostics);
        return final;
    }
}
