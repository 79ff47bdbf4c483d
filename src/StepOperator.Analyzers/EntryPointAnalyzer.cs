using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Roslyn;

namespace StepOperator.Analyzers;

/// <summary>
/// SOP105: a program with a [Pipeline] whose entry point is its own (top-level statements, as
/// <c>dotnet new console</c> writes them, or a Main) and that never calls <c>StepOperatorHost.RunAsync</c>:
/// the generator adds Main only to a program without one, so the pipeline never runs.
/// </summary>
/// <remarks>
/// The rule: the program is an executable (as the generator requires); some method is marked [Pipeline]; the
/// compiler's entry point is the program's own (declared as the generator judges it, in
/// <see cref="EntryPointSyntax"/>), not the generated Main; and nothing in the program's source refers to
/// StepOperatorHost.RunAsync. Any reference counts, wherever it is: a helper that Main calls, a method group, or a
/// call Main never reaches. The analyzer does not follow calls, so it never warns about a program that does run
/// its pipelines. The diagnostic is reported while the entry point's file is analyzed (so the IDE shows it and its
/// fix as you type); the facts about the rest of the program are gathered once per compilation.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EntryPointAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The MSBuild property that turns the generated Main off, as analyzers see it.</summary>
    public const string GenerateMainProperty = "build_property.StepOperatorGenerateMain";

    /// <summary>Diagnostic property: "TopLevel" for top-level statements, "Main" for a Main method.</summary>
    public const string EntryPointKindKey = "EntryPoint";

    /// <summary>Diagnostic property: "false" when StepOperatorGenerateMain is false (removing the entry point would leave none).</summary>
    public const string GenerateMainKey = "GenerateMain";

    public const string TopLevel = nameof(TopLevel);
    public const string MainMethod = "Main";

    private const string HostType = "StepOperator.StepOperatorHost";
    private const string HostMethod = "RunAsync";
    private const string GeneratedProgramType = "StepOperator.Generated.StepOperatorProgram";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.PipelineNeverRuns);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var pipeline = compilation.GetTypeByMetadataName(KnownAttributes.Pipeline);
            var host = compilation.GetTypeByMetadataName(HostType);
            if (pipeline is null || host is null ||
                compilation.Options.OutputKind is not (OutputKind.ConsoleApplication or OutputKind.WindowsApplication))
            {
                return;
            }

            // Gathered once, by the first entry-point file analyzed; a cancelled gathering is not kept.
            var gate = new object();
            ProgramFacts? gathered = null;
            start.RegisterSemanticModelAction(c => Analyze(c, cancellationToken =>
            {
                lock (gate)
                {
                    return gathered ??= ProgramFacts.Gather(compilation, pipeline, host, cancellationToken);
                }
            }));
        });
    }

    private static void Analyze(SemanticModelAnalysisContext context, Func<CancellationToken, ProgramFacts> facts)
    {
        var tree = context.SemanticModel.SyntaxTree;
        if (!EntryPointSyntax.Declares(tree.GetRoot(context.CancellationToken)))
        {
            return;
        }

        var compilation = context.SemanticModel.Compilation;
        var entryPoint = compilation.GetEntryPoint(context.CancellationToken);
        if (entryPoint is null ||
            SymbolEqualityComparer.Default.Equals(entryPoint.ContainingType, compilation.GetTypeByMetadataName(GeneratedProgramType)) ||
            Describe(entryPoint, tree, context.CancellationToken) is not { } where ||
            facts(context.CancellationToken) is not { CallsHost: false, Pipelines.Count: > 0 } program)
        {
            return;
        }

        var disabled = context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(GenerateMainProperty, out var value) &&
            string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(EntryPointKindKey, where.Kind)
            .Add(GenerateMainKey, disabled ? "false" : "true");
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PipelineNeverRuns,
            where.Location,
            program.Pipelines.Select(p => p.Location),
            properties,
            MessageArguments(program.Pipelines, where, disabled)));
    }

    /// <summary>The arguments of <see cref="DiagnosticDescriptors.PipelineNeverRunsFormat"/>.</summary>
    private static object[] MessageArguments(IReadOnlyList<PipelineMark> pipelines, EntryPoint where, bool disabled)
    {
        var subject = pipelines.Count == 1
            ? $"Pipeline '{pipelines[0].Name}' never runs"
            : $"Pipelines {string.Join(", ", pipelines.Select(p => "'" + p.Name + "'"))} never run";
        const string call = "return await StepOperatorHost.RunAsync(args);";
        if (disabled)
        {
            return [subject, where.Description, "StepOperatorGenerateMain is false, so StepOperator generated no Main", $"Call it from there: '{call}'"];
        }

        var remedy = where.Kind == TopLevel
            ? $"Delete the top-level statements to use the generated Main, or end them with '{call}'"
            : $"Delete Main to use the generated one, or call '{call}' from it";
        return [subject, where.Description, "StepOperator generates no Main for a program that has its own", remedy];
    }

    /// <summary>Where the entry point is, in <paramref name="tree"/>, and how a message names it; null when it is elsewhere.</summary>
    private static EntryPoint? Describe(IMethodSymbol entryPoint, SyntaxTree tree, CancellationToken cancellationToken)
    {
        foreach (var reference in entryPoint.DeclaringSyntaxReferences.Where(r => r.SyntaxTree == tree))
        {
            var syntax = reference.GetSyntax(cancellationToken);
            var file = Path.GetFileName(tree.FilePath);
            var statements = $"the top-level statements in {(file.Length > 0 ? file : "the program")}";
            switch (syntax)
            {
                case CompilationUnitSyntax unit when unit.Members.OfType<GlobalStatementSyntax>().FirstOrDefault() is { } first:
                    return new EntryPoint(TopLevel, first.GetLocation(), statements);
                case GlobalStatementSyntax statement:
                    return new EntryPoint(TopLevel, statement.GetLocation(), statements);
                case MethodDeclarationSyntax method:
                    return new EntryPoint(MainMethod, method.Identifier.GetLocation(), $"{entryPoint.ContainingType.Name}.{entryPoint.Name}");
            }
        }

        return null;
    }

    private sealed record EntryPoint(string Kind, Location Location, string Description);

    private sealed record PipelineMark(string Name, Location Location);

    /// <summary>What the whole program holds: its pipelines (in source order) and whether it refers to the host.</summary>
    private sealed record ProgramFacts(IReadOnlyList<PipelineMark> Pipelines, bool CallsHost)
    {
        public static ProgramFacts Gather(Compilation compilation, INamedTypeSymbol pipeline, INamedTypeSymbol host, CancellationToken cancellationToken)
        {
            var pipelines = new List<PipelineMark>();
            var callsHost = false;
            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var root = tree.GetRoot(cancellationToken);
                var methods = MarkedMethods(root).ToList();
                var names = HostNames(root).ToList();
                if (methods.Count == 0 && (callsHost || names.Count == 0))
                {
                    continue;
                }

                // Only the few nodes that name the attribute or the host are bound, once per compilation; the tree being
                // analyzed is another one than most of these, so its semantic model cannot serve.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
                var model = compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                foreach (var method in methods)
                {
                    if (model.GetDeclaredSymbol(method, cancellationToken) is { } symbol &&
                        symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, pipeline)))
                    {
                        pipelines.Add(new PipelineMark(symbol.Name, method.Identifier.GetLocation()));
                    }
                }

                callsHost = callsHost || names.Any(name => RefersTo(model, name, host, cancellationToken));
            }

            return new ProgramFacts(pipelines, callsHost);
        }

        /// <summary>Methods with an attribute named Pipeline (or PipelineAttribute), found among declarations only.</summary>
        private static IEnumerable<MethodDeclarationSyntax> MarkedMethods(SyntaxNode node)
        {
            foreach (var child in node.ChildNodes())
            {
                if (child is MethodDeclarationSyntax method &&
                    method.AttributeLists.SelectMany(l => l.Attributes).Any(a => LastName(a.Name) is "Pipeline" or "PipelineAttribute"))
                {
                    yield return method;
                }
                else if (child is BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax)
                {
                    foreach (var nested in MarkedMethods(child))
                    {
                        yield return nested;
                    }
                }
            }
        }

        private static string LastName(NameSyntax name) => name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => string.Empty,
        };

        /// <summary>Every identifier spelled like the host's method.</summary>
        private static IEnumerable<IdentifierNameSyntax> HostNames(SyntaxNode root) =>
            root.DescendantTokens()
                .Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == HostMethod)
                .Select(t => t.Parent)
                .OfType<IdentifierNameSyntax>();

        /// <summary>Whether the name binds to StepOperatorHost.RunAsync (a call, a method group, through 'using static').</summary>
        private static bool RefersTo(SemanticModel model, IdentifierNameSyntax name, INamedTypeSymbol host, CancellationToken cancellationToken)
        {
            var info = model.GetSymbolInfo(name, cancellationToken);
            var symbols = info.Symbol is null ? info.CandidateSymbols : ImmutableArray.Create(info.Symbol);
            return symbols.Any(s => SymbolEqualityComparer.Default.Equals(s.ContainingType, host));
        }
    }
}
