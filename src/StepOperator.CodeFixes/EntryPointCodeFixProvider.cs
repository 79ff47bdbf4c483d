using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using StepOperator.Analyzers;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP105, at a program's own entry point that never runs its pipelines.
/// "Run the pipelines from here" (first, keeps the user's code): ends the top-level statements with
/// <c>return await StepOperatorHost.RunAsync(args);</c>, or makes Main <c>async Task&lt;int&gt;</c> (with a
/// <c>string[] args</c> parameter if it had none) and ends it so. Offered only when the entry point has no return
/// statement of its own, so the exit code is always the host's.
/// "Use the generated Main": deletes the top-level statements or Main. Not offered when StepOperatorGenerateMain
/// is false, which would leave the program without an entry point.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EntryPointCodeFixProvider)), Shared]
public sealed class EntryPointCodeFixProvider : EditingCodeFixProvider
{
    public const string CallHostKey = "SOP105.CallHost";
    public const string UseGeneratedMainKey = "SOP105.UseGeneratedMain";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.PipelineNeverRuns.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (diagnostic.Location.SourceTree != root.SyntaxTree || root is not CompilationUnitSyntax unit ||
            !diagnostic.Properties.TryGetValue(EntryPointAnalyzer.EntryPointKindKey, out var kind))
        {
            return Enumerable.Empty<OfferedFix>();
        }

        var generated = !(diagnostic.Properties.TryGetValue(EntryPointAnalyzer.GenerateMainKey, out var value) && value == "false");
        return kind == EntryPointAnalyzer.TopLevel
            ? ForTopLevelStatements(unit, generated)
            : ForMain(root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<MethodDeclarationSyntax>(), generated);
    }

    private static IEnumerable<OfferedFix> ForTopLevelStatements(CompilationUnitSyntax unit, bool generated)
    {
        var statements = unit.Members.OfType<GlobalStatementSyntax>().ToList();
        if (statements.Count == 0)
        {
            yield break;
        }

        if (!statements.Any(s => HasOwnReturn(s.Statement)))
        {
            // A line of its own, ended as the file ends its lines; what followed the last statement (a blank line, the
            // types) stays after it. A last statement without a line break (the end of the file) gets one.
            var last = statements[statements.Count - 1];
            var newline = unit.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            if (!newline.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                newline = SyntaxFactory.LineFeed;
            }

            var call = SyntaxFactory.GlobalStatement(RunHost("args")).WithTrailingTrivia(newline);
            var endsLine = last.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            yield return new("Run the pipelines at the end: return await StepOperatorHost.RunAsync(args);", CallHostKey, editor =>
            {
                if (!endsLine)
                {
                    editor.ReplaceNode(last, (current, _) => current.WithTrailingTrivia(current.GetTrailingTrivia().Add(newline)));
                }

                editor.InsertAfter(last, call);
            });
        }

        if (generated)
        {
            yield return new("Delete the top-level statements (use the generated Main)", UseGeneratedMainKey, editor =>
            {
                foreach (var statement in statements)
                {
                    editor.RemoveNode(statement, SyntaxRemoveOptions.KeepDirectives);
                }
            });
        }
    }

    private static IEnumerable<OfferedFix> ForMain(MethodDeclarationSyntax? main, bool generated)
    {
        if (main is null)
        {
            yield break;
        }

        var isAsync = main.Modifiers.Any(SyntaxKind.AsyncKeyword);
        var returnsNothing = main.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword } ||
            (isAsync && IsPlainTask(main.ReturnType));
        var body = (SyntaxNode?)main.Body ?? main.ExpressionBody;
        if (returnsNothing && body is not null && !HasOwnReturn(body))
        {
            yield return new("Run the pipelines at the end of Main: return await StepOperatorHost.RunAsync(args);", CallHostKey,
                editor => editor.ReplaceNode(main, (current, _) => CallHostFrom((MethodDeclarationSyntax)current)));
        }

        if (generated)
        {
            yield return new("Delete Main (use the generated Main)", UseGeneratedMainKey,
                editor => editor.RemoveNode(main, SyntaxRemoveOptions.KeepDirectives));
        }
    }

    /// <summary>Main as <c>async Task&lt;int&gt; Main(string[] args)</c>, its body ending with the host's call.</summary>
    private static MethodDeclarationSyntax CallHostFrom(MethodDeclarationSyntax main)
    {
        var parameters = main.ParameterList;
        if (parameters.Parameters.Count == 0)
        {
            parameters = parameters.AddParameters(SyntaxFactory.Parameter(SyntaxFactory.Identifier("args"))
                .WithType(SyntaxFactory.ParseTypeName("string[] ")));
        }

        var call = RunHost(parameters.Parameters[0].Identifier.ValueText);
        var body = main.Body is { } block
            ? block.AddStatements(call)
            : SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(main.ExpressionBody!.Expression), call)
                .WithAdditionalAnnotations(Formatter.Annotation);
        var taskOfInt = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.Task<int>")
            .WithTriviaFrom(main.ReturnType)
            .WithAdditionalAnnotations(Simplifier.Annotation);
        var result = main
            .WithReturnType(taskOfInt)
            .WithParameterList(parameters)
            .WithExpressionBody(null)
            .WithSemicolonToken(default)
            .WithBody(body);
        return main.Modifiers.Any(SyntaxKind.AsyncKeyword)
            ? result
            : result.AddModifiers(SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space));
    }

    /// <summary><c>return await StepOperatorHost.RunAsync(args);</c>, fully qualified until simplified against the file's usings.</summary>
    private static StatementSyntax RunHost(string args) =>
        SyntaxFactory.ParseStatement($"return await global::StepOperator.StepOperatorHost.RunAsync({args});")
            .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);

    private static bool IsPlainTask(TypeSyntax type) => type switch
    {
        IdentifierNameSyntax { Identifier.ValueText: "Task" } => true,
        QualifiedNameSyntax { Right: IdentifierNameSyntax { Identifier.ValueText: "Task" } } => true,
        AliasQualifiedNameSyntax { Name: IdentifierNameSyntax { Identifier.ValueText: "Task" } } => true,
        _ => false,
    };

    /// <summary>Whether the code returns from the entry point itself (a return inside a lambda or local function does not).</summary>
    private static bool HasOwnReturn(SyntaxNode node) =>
        node is not LocalFunctionStatementSyntax &&
        node.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<ReturnStatementSyntax>()
            .Any();
}
