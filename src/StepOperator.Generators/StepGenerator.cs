using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using StepOperator.Roslyn;
using StepOperator.Rules;

namespace StepOperator.Generators;

/// <summary>
/// Finds <c>[Step]</c>, <c>[ModalStep]</c> and <c>[Pipeline]</c> methods and emits the program's
/// step manifest: every step with its settings as data, exactly as written. Methods the analyzer
/// reports as invalid are left out silently; the analyzer explains them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StepGenerator : IIncrementalGenerator
{
    public static class TrackingNames
    {
        public const string Steps = nameof(Steps);
        public const string ModalSteps = nameof(ModalSteps);
        public const string Pipelines = nameof(Pipelines);
        public const string Valid = nameof(Valid);
        public const string Manifest = nameof(Manifest);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var steps = Find(context, KnownAttributes.Step, StepKind.Step, TrackingNames.Steps);
        var modalSteps = Find(context, KnownAttributes.ModalStep, StepKind.ModalStep, TrackingNames.ModalSteps);
        var pipelines = Find(context, KnownAttributes.Pipeline, StepKind.Pipeline, TrackingNames.Pipelines);

        var manifest = steps.Collect()
            .Combine(modalSteps.Collect())
            .Combine(pipelines.Collect())
            .Select(static (all, _) => all.Left.Left.AddRange(all.Left.Right).AddRange(all.Right)
                .Sort().ToEquatableArray())
            .WithTrackingName(TrackingNames.Manifest);

        context.RegisterSourceOutput(manifest, static (output, models) =>
        {
            if (models.Count > 0)
            {
                output.AddSource("StepOperator.StepManifest.g.cs", ManifestEmitter.Emit(models));
            }
        });
    }

    private static IncrementalValuesProvider<StepModel> Find(
        IncrementalGeneratorInitializationContext context, string attributeName, StepKind kind, string trackingName) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                transform: (attributeContext, cancellationToken) => ToModel(attributeContext, kind, cancellationToken))
            .WithTrackingName(trackingName)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Valid);

    private static StepModel? ToModel(GeneratorAttributeSyntaxContext context, StepKind kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not IMethodSymbol method || context.Attributes.Length != 1)
        {
            return null;
        }

        var role = kind == StepKind.Pipeline ? "Pipeline" : "Step";
        if (StepShape.Check(method, role).Count > 0)
        {
            return null;
        }

        var values = AttributeValues.Named(context.Attributes[0]);
        var resources = AttributeValues.Resources(values);
        if (kind != StepKind.Pipeline && ResourceRules.Validate(resources).Any(v => !ResourceRules.IsAdvisory(v)))
        {
            return null;
        }

        var settings = new SettingsModel(
            resources.Gpu, resources.GpuCount, resources.CpuCount, resources.Memory, resources.Timeout,
            resources.Region, resources.Cloud,
            AttributeValues.String(values, KnownAttributes.Properties.ModalEnvironment),
            AttributeValues.String(values, KnownAttributes.Properties.StepOperator));

        return new StepModel(
            kind,
            AttributeValues.String(values, KnownAttributes.Properties.Name) ?? method.Name,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            settings);
    }
}
