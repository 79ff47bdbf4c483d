using System;
using System.Collections.Generic;
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
        public const string DuplicateNames = nameof(DuplicateNames);
        public const string Main = nameof(Main);
        public const string Flavors = nameof(Flavors);
    }

    /// <summary>A namespace as code: "Demo.Steps", "Fz.@event" (keywords escaped, no global::).</summary>
    private static readonly SymbolDisplayFormat NamespaceFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    private static readonly SymbolDisplayFormat CodeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var stepCandidates = Find(context, KnownAttributes.Step, StepKind.Step, TrackingNames.Steps);
        var modalStepCandidates = Find(context, KnownAttributes.ModalStep, StepKind.ModalStep, TrackingNames.ModalSteps);
        var pipelines = Valid(Find(context, KnownAttributes.Pipeline, StepKind.Pipeline, TrackingNames.Pipelines));
        var steps = Valid(stepCandidates);
        var modalSteps = Valid(modalStepCandidates);

        // Names two steps share (SOP104): neither is registered, as for any step the analyzer reports an error on.
        var duplicateNames = stepCandidates.Collect()
            .Combine(modalStepCandidates.Collect())
            .Select(static (both, _) => both.Left.AddRange(both.Right)
                .Where(c => c.RecordedName is not null)
                .GroupBy(c => c.RecordedName!, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => g.Key)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.DuplicateNames);

        var all = steps.Collect()
            .Combine(modalSteps.Collect())
            .Combine(pipelines.Collect())
            .Combine(duplicateNames)
            .Select(static (all, _) => all.Left.Left.Left.AddRange(all.Left.Left.Right)
                .Where(s => !all.Right.Contains(s.Name))
                .ToImmutableArray()
                .AddRange(all.Left.Right)
                .Sort()
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.All);

        context.RegisterSourceOutput(all, static (output, models) =>
        {
            if (models.Count > 0)
            {
                output.AddSource("StepOperator.Registration.g.cs", RegistrationEmitter.Emit(models));
            }
        });

        // One stub file per type that declares steps: editing one type's steps leaves the others' files alone.
        // Steps whose name another step also has (SOP104) keep their stubs, so that the pipelines calling them still
        // bind and SOP104 is the program's only error; they are not registered, so no stub of theirs can run one.
        var stubGroups = steps.Collect()
            .Combine(modalSteps.Collect())
            .SelectMany(static (all, _) => StubEmitter.Files(all.Left.AddRange(all.Right)))
            .WithTrackingName(TrackingNames.StubGroups);
        context.RegisterSourceOutput(stubGroups, static (output, file) =>
            output.AddSource(file.HintName, StubEmitter.Emit(file.Steps)));

        // The flavors of referenced backend packages: a backend is there exactly when its package is referenced.
        var flavors = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => FlavorRegistration.Find(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Flavors);
        context.RegisterSourceOutput(flavors, static (output, types) =>
        {
            if (types.Count > 0)
            {
                output.AddSource("StepOperator.Flavors.g.cs", FlavorRegistration.Emit(types));
            }
        });

        // Top-level statements or a static Main: found among declarations only, never walking into method bodies
        // (a syntax provider's predicate would visit every node of every file on a cold build).
        var userEntryPoint = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => compilation.SyntaxTrees.Any(tree => EntryPointSyntax.Declares(tree.GetRoot(cancellationToken))));
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

    private static IncrementalValuesProvider<StepCandidate> Find(
        IncrementalGeneratorInitializationContext context, string attributeName, StepKind kind, string trackingName) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                // Every declaration the analyzer judges, so names are counted as it counts them; only ordinary methods get generated.
                predicate: static (node, _) => node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax,
                transform: (attributeContext, cancellationToken) => ToCandidate(attributeContext, kind, cancellationToken))
            .WithTrackingName(trackingName);

    private static IncrementalValuesProvider<StepModel> Valid(IncrementalValuesProvider<StepCandidate> candidates) =>
        candidates
            .Where(static candidate => candidate.Model is not null)
            .Select(static (candidate, _) => candidate.Model!)
            .WithTrackingName(TrackingNames.Valid);

    private static StepCandidate ToCandidate(GeneratorAttributeSyntaxContext context, StepKind kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not IMethodSymbol method || context.Attributes.Length != 1)
        {
            return new StepCandidate(null, null);
        }

        // Like the analyzer: a method marked more than once ([Step] and [ModalStep]) is judged once, by its first mark,
        // and is never generated.
        var marked = method.GetAttributes().Where(a => KindOf(a.AttributeClass) is not null).ToList();
        var first = marked.Count > 0 && SameApplication(marked[0], context.Attributes[0]);
        string? recordedName = null;
        if (first && kind != StepKind.Pipeline)
        {
            recordedName = AttributeValues.String(AttributeValues.Named(context.Attributes[0]), KnownAttributes.Properties.Name) ?? method.Name;
        }

        var model = marked.Count == 1 && first ? ToModel(context, method, kind) : null;
        return new StepCandidate(recordedName, model);
    }

    /// <summary>By name and namespace, without building the attribute's display string for every attribute of every step.</summary>
    private static StepKind? KindOf(INamedTypeSymbol? attributeClass) =>
        attributeClass is { Arity: 0, ContainingType: null } && StepShape.IsNamespace(attributeClass.ContainingNamespace, "StepOperator")
            ? attributeClass.Name switch
            {
                "StepAttribute" => StepKind.Step,
                "ModalStepAttribute" => StepKind.ModalStep,
                "PipelineAttribute" => StepKind.Pipeline,
                _ => null,
            }
            : null;

    private static bool SameApplication(AttributeData a, AttributeData b) =>
        ReferenceEquals(a, b) ||
        (a.ApplicationSyntaxReference is { } left && b.ApplicationSyntaxReference is { } right &&
         left.SyntaxTree == right.SyntaxTree && left.Span == right.Span);

    private static StepModel? ToModel(GeneratorAttributeSyntaxContext context, IMethodSymbol method, StepKind kind)
    {
        if (method.ContainingType is null)
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
            AttributeValues.Boolean(values, KnownAttributes.Properties.RetryOnException),
            resources.MemoryLimit,
            resources.CpuLimit);

        // typeof operands only for an entrypoint written out in full (more inputs than the StepEntrypoints helpers take).
        var writtenOut = method.Parameters.Count(p => !StepShape.IsCancellationToken(p.Type)) > RegistrationEmitter.MaxHelperInputs;
        var parameters = method.Parameters
            .Select(p => new ParameterModel(
                p.Name,
                p.Type.ToDisplayString(CodeFormat),
                writtenOut ? p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) : null,
                StepShape.IsCancellationToken(p.Type)))
            .ToEquatableArray();

        var (returnKind, result) = Classify(method);
        var declarations = method.ContainingType.ContainingTypesOutward()
            .Reverse()
            .Select(t => new TypeDeclarationModel(Keyword(t), t.Name))
            .ToEquatableArray();
        var containingNamespace = method.ContainingType.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString(NamespaceFormat) : null;

        return new StepModel(
            kind,
            AttributeValues.String(values, KnownAttributes.Properties.Name) ?? method.Name,
            method.Name,
            method.IsStatic,
            method.DeclaredAccessibility == Accessibility.Public,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            containingNamespace,
            declarations,
            parameters,
            returnKind,
            result?.ToDisplayString(CodeFormat),
            writtenOut ? result?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) : null,
            settings);
    }

    private static (ReturnKind Kind, ITypeSymbol? Result) Classify(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return (ReturnKind.Void, null);
        }

        var type = method.ReturnType;
        if (type is INamedTypeSymbol named && StepShape.IsNamespace(named.ContainingNamespace, "Tasks", "Threading", "System"))
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
    public static IEnumerable<INamedTypeSymbol> ContainingTypesOutward(this INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            yield return current;
        }
    }
}
