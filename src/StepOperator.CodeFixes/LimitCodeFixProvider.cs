using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Analyzers;
using StepOperator.Roslyn;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP011, at a CpuLimit or MemoryLimit: below its request, "Raise MemoryLimit to Memory" (the limit takes the
/// request's value) or "Lower Memory to MemoryLimit" (the request takes the limit's); without a request,
/// "Add Memory = ..." with the limit's value (reserve what the step may use at most).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LimitCodeFixProvider)), Shared]
public sealed class LimitCodeFixProvider : CodeFixProvider
{
    public const string RaiseLimitKey = "SOP011.RaiseLimit";
    public const string LowerRequestKey = "SOP011.LowerRequest";
    public const string AddRequestKey = "SOP011.AddRequest";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SOP011");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var expression = await SyntaxEdits.FindExpressionAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (expression?.Parent is not AttributeArgumentSyntax { NameEquals: { } name } limitArgument ||
                RequestOf(name.Name.Identifier.ValueText) is not { } requestName)
            {
                continue;
            }

            var limitName = name.Name.Identifier.ValueText;
            var attribute = limitArgument.FirstAncestorOrSelf<AttributeSyntax>();
            var request = StepAttributeSyntax.FindArgument(attribute, requestName);
            if (request is null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create($"Add {requestName} = {expression}",
                        ct => AddRequestAsync(context.Document, limitArgument, requestName, expression, ct),
                        equivalenceKey: AddRequestKey),
                    diagnostic);
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create($"Raise {limitName} to {requestName}",
                    ct => SyntaxEdits.ReplaceAsync(context.Document, expression, request.Expression.WithoutTrivia(), ct),
                    equivalenceKey: RaiseLimitKey),
                diagnostic);
            context.RegisterCodeFix(
                CodeAction.Create($"Lower {requestName} to {limitName}",
                    ct => SyntaxEdits.ReplaceAsync(context.Document, request.Expression, expression.WithoutTrivia(), ct),
                    equivalenceKey: LowerRequestKey),
                diagnostic);
        }
    }

    /// <summary>The request a limit belongs to: Memory for MemoryLimit, CpuCount for CpuLimit.</summary>
    private static string? RequestOf(string limit) => limit switch
    {
        KnownAttributes.Properties.MemoryLimit => KnownAttributes.Properties.Memory,
        KnownAttributes.Properties.CpuLimit => KnownAttributes.Properties.CpuCount,
        _ => null,
    };

    /// <summary>Writes the request just before its limit, with the limit's value.</summary>
    private static async Task<Document> AddRequestAsync(Document document, AttributeArgumentSyntax limit, string requestName, ExpressionSyntax value, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || limit.Parent is not AttributeArgumentListSyntax list)
        {
            return document;
        }

        var request = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(requestName)),
            nameColon: null,
            value.WithoutTrivia());
        var arguments = list.Arguments.Insert(list.Arguments.IndexOf(limit), request);
        return document.WithSyntaxRoot(root.ReplaceNode(list, list.WithArguments(arguments)));
    }
}
