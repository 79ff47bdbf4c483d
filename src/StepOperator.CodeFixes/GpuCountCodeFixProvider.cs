using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Analyzers;
using StepOperator.Roslyn;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP001: "Set GpuCount = 0". SOP002: "Set GpuCount = 1" or "Remove Gpu".
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GpuCountCodeFixProvider)), Shared]
public sealed class GpuCountCodeFixProvider : CodeFixProvider
{
    public const string SetZeroKey = "SOP001.SetGpuCountZero";
    public const string SetOneKey = "SOP002.SetGpuCountOne";
    public const string RemoveGpuKey = "SOP002.RemoveGpu";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SOP001", "SOP002");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var expression = await SyntaxEdits.FindExpressionAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (expression?.Parent is not AttributeArgumentSyntax argument)
            {
                continue;
            }

            if (diagnostic.Id == "SOP001")
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Set GpuCount = 0",
                        ct => SyntaxEdits.ReplaceAsync(context.Document, expression, SyntaxEdits.NumberLiteral(0), ct),
                        equivalenceKey: SetZeroKey),
                    diagnostic);
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Set GpuCount = 1",
                    ct => SyntaxEdits.ReplaceAsync(context.Document, expression, SyntaxEdits.NumberLiteral(1), ct),
                    equivalenceKey: SetOneKey),
                diagnostic);

            var attribute = argument.FirstAncestorOrSelf<AttributeSyntax>();
            var gpu = StepAttributeSyntax.FindArgument(attribute, KnownAttributes.Properties.Gpu);
            if (gpu is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Remove Gpu",
                        ct => SyntaxEdits.RemoveAsync(context.Document, gpu, ct),
                        equivalenceKey: RemoveGpuKey),
                    diagnostic);
            }
        }
    }
}
