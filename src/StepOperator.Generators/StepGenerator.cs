using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Roslyn;
using StepOperator.Rules;

namespace StepOperator.Generators;

/// <summary>
/// Finds <c>[Step]</c>, <c>[ModalStep]</c> and <c>[Pipeline]</c> methods and emits, for each step, its
/// entrypoint, its typed submission stub and its settings as data; registers steps and pipelines
/// when the module loads; and emits Main for a program that has a pipeline and no entry point.
/// Methods the analyzer reports as invalid are left out silently; the analyzer explains them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StepGenerator : IIncrementalGenerator
{
    public const string GenerateMainProperty = "build_property.StepOperatorGenerateMain";

    public static class TrackingNames
    {
        public const string Steps = nameof(Steps);
        public const string ModalSteps = nameof(ModalSteps);
        public const string Pipelines = nameof(Pipelines);
        public const string Valid = nameof(Valid);
        public const string All = nameof(All);
        public const string StubGroups = nameof(StubGroups);
        public const string Main = nameof(Main);
    }

    private static readonly SymbolDisplayFormat CodeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var steps = Find(context, KnownAttributes.Step, StepKind.Step, TrackingNames.Steps);
        var modalSteps = Find(context, KnownAttributes.ModalStep, StepKind.ModalStep, TrackingNames.ModalSteps);
        var pipelines = Find(context, KnownAttributes.Pipeline, StepKind.Pipeline, TrackingNames.Pipelines);

        var all = steps.Collect()
            .Combine(modalSteps.Collect())
            .Combine(pipelines.Collect())
            .Select(static (all, _) => all.Left.Left.AddRange(all.Left.Right).AddRange(all.Right).Sort().ToEquatableArray())
            .WithTrackingName(TrackingNames.All);

        context.RegisterSourceOutput(all, static (output, models) =>
        {
            if (models.Count > 0)
            {
                output.AddSource("StepOperator.Registration.g.cs", RegistrationEmitter.Emit(models));
            }
        });

        // One stub file per type that declares steps: editing one type's steps leaves the others' files alone.
        var stubGroups = steps.Collect()
            .Combine(modalSteps.Collect())
            .SelectMany(static (both, _) => both.Left.AddRange(both.Right)
                .GroupBy(s => s.ContainingType, StringComparer.Ordinal)
                .Select(g => g.OrderBy(s => s.Name, StringComparer.Ordinal).ToEquatableArray()))
            .WithTrackingName(TrackingNames.StubGroups);
        context.RegisterSourceOutput(stubGroups, static (output, group) =>
            output.AddSource(StubEmitter.FileName(group[0]), StubEmitter.Emit(group)));

        var userEntryPoint = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is GlobalStatementSyntax ||
                    (node is MethodDeclarationSyntax { Identifier.ValueText: "Main" } method && method.Modifiers.Any(SyntaxKind.StaticKeyword)),
                static (_, _) => true)
            .Collect()
            .Select(static (found, _) => found.Length > 0);
        var isExecutable = context.CompilationProvider
            .Select(static (compilation, _) => compilation.Options.OutputKind is OutputKind.ConsoleApplication or OutputKind.WindowsApplication);
        var disabled = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue(GenerateMainProperty, out var value) &&
                string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase));
        var main = isExecutable.Combine(userEntryPoint).Combine(disabled)
            .Select(static (all, _) => new MainModel(all.Left.Left, all.Left.Right, all.Right))
            .Combine(pipelines.Collect().Select(static (p, _) => p.Length > 0))
            .WithTrackingName(TrackingNames.Main);
        context.RegisterSourceOutput(main, static (output, all) =>
        {
            var (model, hasPipeline) = all;
            if (hasPipeline && model.IsExecutable && !model.HasUserEntryPoint && !model.Disabled)
            {
                output.AddSource("StepOperator.Main.g.cs", MainEmitter.Emit());
            }
        });
    }

    private static IncrementalValuesProvider<StepModel> Find(
        IncrementalGeneratorInitializationContext context, string attributeName, StepKind kind, string trackingName) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: (attributeContext, cancellationToken) => ToModel(attributeContext, kind, cancellationToken))
            .WithTrackingName(trackingName)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Valid);

    private static StepModel? ToModel(GeneratorAttributeSyntaxContext context, StepKind kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not IMethodSymbol method || context.Attributes.Length != 1 || method.ContainingType is null)
        {
            return null;
        }

        var role = kind == StepKind.Pipeline ? StepShape.PipelineRole : StepShape.StepRole;
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
            AttributeValues.String(values, KnownAttributes.Properties.StepOperator),
            AttributeValues.Boolean(values, KnownAttributes.Properties.EnableCache),
            resources.MaxRetries,
            resources.RetryDelay,
            resources.RetryBackoff,
            AttributeValues.Boolean(values, KnownAttributes.Properties.RetryOnException));

        var parameters = method.Parameters
            .Select(p => new ParameterModel(
                p.Name,
                p.Type.ToDisplayString(CodeFormat),
                p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                StepShape.IsCancellationToken(p.Type)))
            .ToEquatableArray();

        var (returnKind, result) = Classify(method);
        var declarations = method.ContainingType.ContainingTypesOutward()
            .Reverse()
            .Select(t => new TypeDeclarationModel(Keyword(t), t.Name))
            .ToEquatableArray();
        var containingNamespace = method.ContainingType.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;

        return new StepModel(
            kind,
            AttributeValues.String(values, KnownAttributes.Properties.Name) ?? method.Name,
            method.Name,
            method.IsStatic,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            containingNamespace,
            declarations,
            parameters,
            returnKind,
            result?.ToDisplayString(CodeFormat),
            result?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            settings);
    }

    private static (ReturnKind Kind, ITypeSymbol? Result) Classify(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return (ReturnKind.Void, null);
        }

        var type = method.ReturnType;
        if (type is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            switch (named.Name, named.TypeArguments.Length)
            {
                case ("Task", 0):
                    return (ReturnKind.Task, null);
                case ("ValueTask", 0):
                    return (ReturnKind.ValueTask, null);
                case ("Task", 1):
                    return (ReturnKind.TaskOfT, named.TypeArguments[0]);
                case ("ValueTask", 1):
                    return (ReturnKind.ValueTaskOfT, named.TypeArguments[0]);
            }
        }

        return (ReturnKind.Value, type);
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}

internal static class SymbolExtensions
{
    /// <summary>The type and the types that contain it, innermost first.</summary>
    public static System.Collections.Generic.IEnumerable<INamedTypeSymbol> ContainingTypesOutward(this INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            yield return current;
        }
    }
}
