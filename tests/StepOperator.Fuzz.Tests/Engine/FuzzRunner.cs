using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Analyzers;
using StepOperator.Generators;

namespace StepOperator.Fuzz;

internal sealed class FuzzOptions
{
    public int Seed { get; init; }

    public int Variants { get; init; } = 10_000;

    /// <summary>The first variant index (a run covers First .. First + Variants - 1).</summary>
    public int First { get; init; }

    /// <summary>Variants per compilation.</summary>
    public int BatchSize { get; init; } = 100;

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Shrink each failing well-formed variant to the fewest properties that still fail.</summary>
    public bool Minimize { get; init; } = true;

    /// <summary>Stop minimizing (not checking) after this many failures.</summary>
    public int MaxMinimized { get; init; } = 10;

    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public Action<string>? Progress { get; init; }
}

/// <summary>One variant that broke an assertion.</summary>
internal sealed class FuzzFailure
{
    public required Variant Variant { get; init; }

    public required string Category { get; init; }

    public required string Details { get; init; }

    /// <summary>The same failure with as few attribute properties as still fail it, when shrinking helped.</summary>
    public Variant? Minimal { get; set; }
}

/// <summary>
/// Runs variants through the analyzers (ResourceSettingsAnalyzer, StepMethodAnalyzer) and the generator
/// (StepGenerator), many variants per compilation, one syntax tree per variant so every diagnostic is
/// attributable; a batch with a problem no tree owns (an exception, an error in generated code) is split
/// until the variants that cause it are found.
/// </summary>
internal sealed class FuzzRunner
{
    /// <summary>Doc comments diagnosed (as in a project that writes its XML docs), so badly formed XML in generated code is seen.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        allowUnsafe: true,
        concurrentBuild: false);

    private static readonly IReadOnlyList<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ModalStepAttribute).Assembly.Location))
            .ToList();

    /// <summary>Every batch starts from this one, so the references are bound once, not per compilation.</summary>
    private static readonly CSharpCompilation BaseCompilation = CSharpCompilation.Create("FuzzProgram", null, References, CompilationOptions);

    private readonly FuzzOptions _options;

    public FuzzRunner(FuzzOptions options) => _options = options;

    public FuzzReport Run()
    {
        var report = new FuzzReport(_options.Seed);
        var clock = Stopwatch.StartNew();
        var chunk = Math.Max(_options.BatchSize * _options.Parallelism * 4, 1_000);
        for (var start = _options.First; start < _options.First + _options.Variants; start += chunk)
        {
            var count = Math.Min(chunk, _options.First + _options.Variants - start);
            var variants = Enumerable.Range(start, count).Select(i => VariantGenerator.Create(_options.Seed, i)).ToList();
            var batches = Pack(variants, _options.BatchSize);
            var outcomes = new ConcurrentBag<VariantOutcome>();
            Parallel.ForEach(
                batches,
                new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism },
                batch =>
                {
                    foreach (var outcome in RunSplitting(batch))
                    {
                        outcomes.Add(outcome);
                    }
                });
            report.Batches += batches.Count;
            foreach (var outcome in outcomes.OrderBy(o => o.Variant.Index))
            {
                report.Add(outcome);
            }

            _options.Progress?.Invoke($"{start - _options.First + count} of {_options.Variants} variants, {report.Failures.Count} failures, {clock.Elapsed.TotalSeconds:F1} s");
        }

        if (_options.Minimize)
        {
            foreach (var failure in report.Failures.Where(f => f.Variant.Kind == VariantKind.WellFormed).Take(_options.MaxMinimized))
            {
                failure.Minimal = Minimize(failure);
            }
        }

        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>Runs one variant alone (to reproduce a failure).</summary>
    public VariantOutcome RunAlone(Variant variant) => RunSplitting(new List<Variant> { variant }).Single();

    /// <summary>
    /// Well-formed variants share a compilation only when their step names differ (a shared name is SOP104
    /// across variants); the others (compile errors, broken syntax) go in batches of their own.
    /// </summary>
    private static List<List<Variant>> Pack(List<Variant> variants, int size)
    {
        var batches = new List<List<Variant>>();
        var open = new List<(List<Variant> Batch, HashSet<string> Names)>();
        var loose = new List<Variant>();
        foreach (var variant in variants)
        {
            if (variant.Kind != VariantKind.WellFormed)
            {
                loose.Add(variant);
                if (loose.Count == size)
                {
                    batches.Add(loose);
                    loose = new List<Variant>();
                }

                continue;
            }

            var names = variant.RegisteredNames.ToList();
            var slot = open.FindIndex(o => !names.Any(o.Names.Contains));
            if (slot < 0)
            {
                open.Add((new List<Variant>(), new HashSet<string>(StringComparer.Ordinal)));
                slot = open.Count - 1;
            }

            open[slot].Batch.Add(variant);
            open[slot].Names.UnionWith(names);
            if (open[slot].Batch.Count == size)
            {
                batches.Add(open[slot].Batch);
                open.RemoveAt(slot);
            }
        }

        batches.AddRange(open.Select(o => o.Batch));
        if (loose.Count > 0)
        {
            batches.Add(loose);
        }

        return batches;
    }

    /// <summary>Runs a batch; when something in it cannot be attributed to one tree, halves it until it can.</summary>
    private List<VariantOutcome> RunSplitting(List<Variant> batch)
    {
        var result = RunBatch(batch);
        if (result.BatchProblems.Count == 0)
        {
            return result.Outcomes;
        }

        if (batch.Count == 1)
        {
            var outcome = result.Outcomes.Single();
            foreach (var (category, details) in result.BatchProblems)
            {
                outcome.Problems.Add((category, details));
            }

            return new List<VariantOutcome> { outcome };
        }

        var half = batch.Count / 2;
        return RunSplitting(batch.Take(half).ToList()).Concat(RunSplitting(batch.Skip(half).ToList())).ToList();
    }

    private sealed record BatchResult(List<VariantOutcome> Outcomes, List<(string Category, string Details)> BatchProblems);

    private BatchResult RunBatch(List<Variant> batch)
    {
        var outcomes = batch.Select(v => new VariantOutcome(v)).ToList();
        var problems = new List<(string, string)>();
        var checkGenerated = batch.All(v => v.Kind == VariantKind.WellFormed);
        try
        {
            using var timeout = new CancellationTokenSource(_options.BatchTimeout);
            var trees = batch.Select(v => CSharpSyntaxTree.ParseText(v.Source, ParseOptions, path: v.FileName, cancellationToken: timeout.Token)).ToList();
            var compilation = BaseCompilation.AddSyntaxTrees(trees);
            var driver = CSharpGeneratorDriver.Create(new[] { new StepGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
                .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics, timeout.Token);
            var run = driver.GetRunResult();
            foreach (var generator in run.Results.Where(r => r.Exception is not null))
            {
                problems.Add(("crash", $"the generator threw {generator.Exception}"));
            }

            foreach (var diagnostic in generatorDiagnostics.Where(d => d.Id is "CS8784" or "CS8785"))
            {
                problems.Add(("crash", diagnostic.ToString()));
            }

            var analyzerExceptions = new ConcurrentBag<string>();
            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new ResourceSettingsAnalyzer(), new StepMethodAnalyzer());
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, _) => analyzerExceptions.Add($"{analyzer.GetType().Name} threw {exception}"),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false);
            var diagnostics = output.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync(timeout.Token).GetAwaiter().GetResult();
            problems.AddRange(analyzerExceptions.Select(e => ("crash", e)));

            var byFile = outcomes.ToDictionary(o => o.Variant.FileName, StringComparer.Ordinal);
            var generatedTrees = output.SyntaxTrees.Skip(compilation.SyntaxTrees.Length).ToList();
            var generatedPaths = new HashSet<string>(generatedTrees.Select(t => t.FilePath), StringComparer.Ordinal);
            foreach (var diagnostic in diagnostics)
            {
                var path = diagnostic.Location.SourceTree?.FilePath;
                if (diagnostic.Id == "AD0001")
                {
                    problems.Add(("crash", diagnostic.ToString()));
                }
                else if (path is not null && byFile.TryGetValue(path, out var outcome))
                {
                    outcome.Diagnostics.Add(diagnostic);
                }
                else if (path is not null && generatedPaths.Contains(path))
                {
                    if (Rules.IsRuleId(diagnostic.Id))
                    {
                        problems.Add(("generated code", $"an analyzer reported on generated code: {diagnostic}"));
                    }
                    else if (checkGenerated && diagnostic.Severity >= DiagnosticSeverity.Warning)
                    {
                        problems.Add(("generated code", $"{diagnostic}\n{Excerpt(diagnostic)}"));
                    }
                }
                else if (Rules.IsRuleId(diagnostic.Id) || diagnostic.Severity == DiagnosticSeverity.Error)
                {
                    problems.Add(("unattributed", diagnostic.ToString()));
                }
            }

            var registrationTree = generatedTrees.FirstOrDefault(t => t.FilePath.EndsWith("StepOperator.Registration.g.cs", StringComparison.Ordinal));
            var registration = registrationTree?.ToString() ?? string.Empty;
            var registered = checkGenerated && registrationTree is not null
                ? RegisteredSteps.Read(registrationTree)
                : new Dictionary<string, RegisteredStep>(StringComparer.Ordinal);
            var stubs = generatedTrees.Where(t => t.FilePath.Contains("StepOperator.Stubs.", StringComparison.Ordinal)).Select(t => t.ToString()).ToList();
            foreach (var outcome in outcomes)
            {
                outcome.Check(registration, stubs, registered);
            }
        }
        catch (OperationCanceledException)
        {
            problems.Add(("hang", $"the batch did not finish within {_options.BatchTimeout.TotalSeconds:F0} s"));
        }
        catch (Exception e)
        {
            problems.Add(("crash", e.ToString()));
        }

        return new BatchResult(outcomes, problems);
    }

    private static string Excerpt(Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree;
        if (tree is null)
        {
            return string.Empty;
        }

        var line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
        var lines = tree.GetText().Lines;
        var from = Math.Max(0, line - 2);
        var to = Math.Min(lines.Count - 1, line + 2);
        var text = new StringBuilder($"  in {Path.GetFileName(tree.FilePath)}:\n");
        for (var i = from; i <= to; i++)
        {
            text.Append(i == line ? "  > " : "    ").Append(lines[i].ToString()).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Drops attribute properties one at a time while the variant still fails the same way.</summary>
    private Variant? Minimize(FuzzFailure failure)
    {
        var variant = failure.Variant;
        var spec = VariantSpec.Generate(variant.Seed, variant.Index);
        var changed = false;
        foreach (var attribute in spec.Sites.SelectMany(s => s.Attributes))
        {
            for (var i = attribute.Properties.Count - 1; i >= 0; i--)
            {
                var removed = attribute.Properties[i];
                attribute.Properties.RemoveAt(i);
                var candidate = spec.Render();
                var outcome = RunAlone(candidate);
                if (outcome.Problems.Any(p => p.Category == failure.Category))
                {
                    changed = true;
                }
                else
                {
                    attribute.Properties.Insert(i, removed);
                }
            }
        }

        return changed ? spec.Render() : null;
    }
}

/// <summary>A step as the generated registration has it: name, placement and settings, read back as constants.</summary>
internal sealed record RegisteredStep(string Name, string Placement, Dictionary<string, object?> Settings);

internal static class RegisteredSteps
{
    /// <summary>
    /// Every <c>StepEntrypoints.Modal(name, method, new StepSettings { ... }, entrypoint)</c> (or <c>Orchestrator</c>)
    /// in the registration, with the values of its literals as the compiler's lexer reads them (so escaping and number
    /// formats are checked too).
    /// </summary>
    public static Dictionary<string, RegisteredStep> Read(SyntaxTree registration)
    {
        var steps = new Dictionary<string, RegisteredStep>(StringComparer.Ordinal);
        foreach (var call in registration.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (call.Expression is not MemberAccessExpressionSyntax { Expression: var owner, Name.Identifier.ValueText: "Modal" or "Orchestrator" } access ||
                !owner.ToString().EndsWith("StepEntrypoints", StringComparison.Ordinal) ||
                call.ArgumentList.Arguments.Count != 4 || Constant(call.ArgumentList.Arguments[0].Expression) is not string name)
            {
                continue;
            }

            var placement = access.Name.Identifier.ValueText;
            var settings = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (call.ArgumentList.Arguments[2].Expression is ObjectCreationExpressionSyntax { Initializer: { } initializer })
            {
                foreach (var assignment in initializer.Expressions.OfType<AssignmentExpressionSyntax>())
                {
                    settings[assignment.Left.ToString()] = Constant(assignment.Right) ?? "(not a literal: " + assignment.Right + ")";
                }
            }

            steps[name] = new RegisteredStep(name, placement, settings);
        }

        return steps;
    }

    /// <summary>A literal's value (integers as long), or a negated one; null for anything else.</summary>
    private static object? Constant(ExpressionSyntax expression) => expression switch
    {
        LiteralExpressionSyntax literal => literal.Token.Value switch
        {
            int or uint or long => Convert.ToInt64(literal.Token.Value, CultureInfo.InvariantCulture),
            var value => value,
        },
        PrefixUnaryExpressionSyntax { OperatorToken.Text: "-" } negated => Constant(negated.Operand) switch
        {
            long value => -value,
            double value => -value,
            _ => null,
        },
        _ => null,
    };
}

/// <summary>What happened to one variant, and what was wrong with it.</summary>
internal sealed class VariantOutcome(Variant variant)
{
    public Variant Variant { get; } = variant;

    public List<Diagnostic> Diagnostics { get; } = new();

    public List<(string Category, string Details)> Problems { get; } = new();

    public List<string> ReportedIds { get; } = new();

    public int EmittedSteps { get; private set; }

    private void CheckSettings(StepSite step, IReadOnlyDictionary<string, RegisteredStep> registered)
    {
        if (step.ExpectedName is null || !registered.TryGetValue(step.ExpectedName, out var found))
        {
            Problems.Add(("registration", $"no step named {PropertyValue.Show(step.ExpectedName)} is registered: {step.Description}"));
            return;
        }

        var problems = new List<string>();
        if (found.Placement != step.ExpectedPlacement)
        {
            problems.Add($"placement {found.Placement}, expected {step.ExpectedPlacement}");
        }

        foreach (var (property, value) in step.ExpectedSettings)
        {
            if (!found.Settings.TryGetValue(property, out var actual))
            {
                problems.Add($"{property} is missing (written: {PropertyValue.Show(value)})");
            }
            else if (!SameValue(value, actual))
            {
                problems.Add($"{property} = {PropertyValue.Show(actual)}, written {PropertyValue.Show(value)}");
            }
        }

        foreach (var property in found.Settings.Keys.Where(k => !step.ExpectedSettings.ContainsKey(k)))
        {
            problems.Add($"{property} = {PropertyValue.Show(found.Settings[property])} was never written");
        }

        if (problems.Count > 0)
        {
            Problems.Add(("registration", $"the registered settings of {PropertyValue.Show(step.ExpectedName)} differ from the attribute: {string.Join("; ", problems)}"));
        }
    }

    /// <summary>Exact equality: doubles bit for bit (-0.0 is not 0.0), strings ordinal.</summary>
    private static bool SameValue(object expected, object? actual) => (expected, actual) switch
    {
        (double e, double a) => BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a) || (double.IsNaN(e) && double.IsNaN(a)),
        (string e, string a) => string.Equals(e, a, StringComparison.Ordinal),
        (int e, long a) => e == a,
        _ => Equals(expected, actual),
    };

    public void Check(string registration, IReadOnlyList<string> stubs, IReadOnlyDictionary<string, RegisteredStep> registered)
    {
        ReportedIds.AddRange(Diagnostics.Where(d => Rules.IsRuleId(d.Id)).Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal));
        if (Variant.OracleFailure is not null)
        {
            Problems.Add(("crash", Variant.OracleFailure));
            return;
        }

        if (Variant.Kind != VariantKind.WellFormed)
        {
            return;
        }

        var errors = Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && !Rules.IsRuleId(d.Id)).ToList();
        if (errors.Count > 0)
        {
            Problems.Add(("does not compile", "a well-formed variant has compiler errors (with the generated code added):\n" + string.Join("\n", errors.Select(e => "  " + e))));
        }

        var expected = Variant.ExpectedIds.OrderBy(id => id, StringComparer.Ordinal).ToList();
        if (!expected.SequenceEqual(ReportedIds))
        {
            var details = new StringBuilder();
            details.Append($"expected [{string.Join(", ", expected)}] (the rules), reported [{string.Join(", ", ReportedIds)}] (the analyzers)\n");
            foreach (var step in Variant.Steps)
            {
                details.Append($"  step {step.Description}\n    expects [{string.Join(", ", step.ExpectedIds)}]\n");
            }

            foreach (var diagnostic in Diagnostics.Where(d => Rules.IsRuleId(d.Id)))
            {
                details.Append("  reported ").Append(diagnostic).Append('\n');
            }

            Problems.Add(("classification", details.ToString()));
        }

        foreach (var step in Variant.Steps)
        {
            var token = Regex.Escape(step.Token);
            var inRegistration = Regex.IsMatch(registration, $"[.:]{token}\\.");
            var stubbed = stubs.Any(s => Regex.IsMatch(s, $"(?<![\\w@]){token}(?!\\w)"));
            if (step.ExpectStubOnly)
            {
                if (inRegistration || !stubbed)
                {
                    Problems.Add(("emission", $"only SOP104 is expected, so the generator must emit the step's stub and not register it ({(inRegistration ? "registered" : "not registered")}, {(stubbed ? "stub" : "no stub")}): {step.Description}"));
                }
            }
            else if (step.ExpectEmitted && !(inRegistration && stubbed))
            {
                Problems.Add(("emission", $"no error is expected, but the generator did not emit the step ({(inRegistration ? "registered" : "not registered")}, {(stubbed ? "stub" : "no stub")}): {step.Description}"));
            }
            else if (!step.ExpectEmitted && (inRegistration || stubbed))
            {
                Problems.Add(("emission", $"an error is expected, but the generator emitted the step ({(inRegistration ? "registered" : "not registered")}, {(stubbed ? "stub" : "no stub")}): {step.Description}"));
            }
            else if (step.ExpectEmitted)
            {
                EmittedSteps++;
                CheckSettings(step, registered);
            }
        }
    }
}
