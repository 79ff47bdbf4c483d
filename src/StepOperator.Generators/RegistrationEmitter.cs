using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace StepOperator.Generators;

/// <summary>
/// Emits the registration of every step (settings as data, parameters, output type, entrypoint) and
/// pipeline, run by a module initializer, plus the entrypoints themselves.
/// </summary>
internal static class RegistrationEmitter
{
    public static string Emit(EquatableArray<StepModel> models)
    {
        var code = new CodeWriter();
        code.Line(CodeWriter.Header);
        code.Open("namespace StepOperator.Generated");
        code.Line("/// <summary>Registers this program's steps and pipelines with StepOperator when the module loads.</summary>");
        code.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"StepOperator.Generators\", \"1.0\")]");
        code.Open("internal static class StepRegistration");
        code.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        code.Open("internal static void Register()");
        foreach (var model in models.Where(m => m.Kind != StepKind.Pipeline))
        {
            RegisterStep(code, model);
        }

        foreach (var model in models.Where(m => m.Kind == StepKind.Pipeline))
        {
            code.Line("global::StepOperator.StepCatalog.Register(new global::StepOperator.PipelineDefinition(")
                .Line($"    {Literal(model.Name)}, {Literal(model.Method)}, {Identifier(model)}_Pipeline));");
        }

        code.Close();
        foreach (var model in models)
        {
            code.Line();
            if (model.Kind == StepKind.Pipeline)
            {
                EmitPipeline(code, model);
            }
            else
            {
                EmitEntrypoint(code, model);
            }
        }

        code.Close();
        code.Close();
        return code.ToString();
    }

    private static void RegisterStep(CodeWriter code, StepModel model)
    {
        var placement = model.Kind == StepKind.ModalStep ? "Modal" : "Orchestrator";
        code.Line("global::StepOperator.StepCatalog.Register(new global::StepOperator.StepDefinition(")
            .Line($"    {Literal(model.Name)},")
            .Line($"    global::StepOperator.StepPlacement.{placement},")
            .Line($"    {Literal(model.Method)},")
            .Line($"    {Settings(model.Settings)})")
            .Line("{");
        var parameters = model.Parameters.Where(p => !p.IsCancellationToken).ToList();
        code.Line(parameters.Count == 0
            ? "    Parameters = global::System.Array.Empty<global::StepOperator.StepParameter>(),"
            : "    Parameters = new global::StepOperator.StepParameter[] { " +
              string.Join(", ", parameters.Select(p => $"new({Literal(p.Name)}, typeof({p.TypeOfType}))")) + " },");
        if (model.ResultTypeOfType is not null)
        {
            code.Line($"    OutputType = typeof({model.ResultTypeOfType}),");
        }

        code.Line($"    Entrypoint = {Identifier(model)}_Entrypoint,");
        code.Line("});");
    }

    private static void EmitEntrypoint(CodeWriter code, StepModel model)
    {
        var names = HelperNames.For(model);
        code.Line($"/// <summary>Runs step {GeneratedText.Xml(model.Name)} ({GeneratedText.Xml(model.Method)}) inside its own process.</summary>");
        code.Open($"private static async global::System.Threading.Tasks.Task {Identifier(model)}_Entrypoint(global::StepOperator.StepInvocation {names.Invocation}, global::System.Threading.CancellationToken {names.CancellationToken})");
        foreach (var parameter in model.Parameters.Where(p => !p.IsCancellationToken))
        {
            code.Line($"var {Local(parameter.Name)} = await {names.Invocation}.ReadInputAsync<{parameter.Type}>({Literal(parameter.Name)}, {names.CancellationToken}).ConfigureAwait(false);");
        }

        var call = $"{Receiver(model)}.{GeneratedText.Identifier(model.MethodName)}({Arguments(model, names)})";
        switch (model.Return)
        {
            case ReturnKind.Void:
                code.Line(call + ";");
                if (model.Parameters.All(p => p.IsCancellationToken))
                {
                    // Nothing was awaited: without this the async entrypoint warns (CS1998).
                    code.Line("await global::System.Threading.Tasks.Task.CompletedTask.ConfigureAwait(false);");
                }

                break;
            case ReturnKind.Task:
            case ReturnKind.ValueTask:
                code.Line($"await {call}.ConfigureAwait(false);");
                break;
            case ReturnKind.TaskOfT:
            case ReturnKind.ValueTaskOfT:
                code.Line($"var {names.Result} = await {call}.ConfigureAwait(false);");
                code.Line($"await {names.Invocation}.WriteOutputAsync<{model.ResultType}>({names.Result}, {names.CancellationToken}).ConfigureAwait(false);");
                break;
            default:
                code.Line($"var {names.Result} = {call};");
                code.Line($"await {names.Invocation}.WriteOutputAsync<{model.ResultType}>({names.Result}, {names.CancellationToken}).ConfigureAwait(false);");
                break;
        }

        code.Close();
    }

    private static void EmitPipeline(CodeWriter code, StepModel model)
    {
        code.Line($"/// <summary>Runs pipeline {GeneratedText.Xml(model.Name)} ({GeneratedText.Xml(model.Method)}).</summary>");
        code.Open($"private static async global::System.Threading.Tasks.Task {Identifier(model)}_Pipeline(global::System.Threading.CancellationToken cancellationToken)");
        var call = $"{Receiver(model)}.{GeneratedText.Identifier(model.MethodName)}({Arguments(model, HelperNames.For(model))})";
        switch (model.Return)
        {
            case ReturnKind.Void:
                code.Line(call + ";");
                code.Line("await global::System.Threading.Tasks.Task.CompletedTask.ConfigureAwait(false);");
                break;
            case ReturnKind.Value:
                code.Line("_ = " + call + ";");
                code.Line("await global::System.Threading.Tasks.Task.CompletedTask.ConfigureAwait(false);");
                break;
            default:
                code.Line($"await {call}.ConfigureAwait(false);");
                break;
        }

        code.Close();
    }

    private static string Receiver(StepModel model) => model.IsStatic ? model.ContainingType : $"new {model.ContainingType}()";

    private static string Arguments(StepModel model, HelperNames names) =>
        string.Join(", ", model.Parameters.Select(p => p.IsCancellationToken ? names.CancellationToken : Local(p.Name)));

    /// <summary>
    /// Names of the entrypoint's own parameters and result, chosen apart from the step's parameters, which
    /// become locals of the same method ("invocation", or "invocation_" for a step with an input of that name).
    /// </summary>
    private sealed record HelperNames(string Invocation, string CancellationToken, string Result)
    {
        public static HelperNames For(StepModel model)
        {
            var taken = new System.Collections.Generic.HashSet<string>(
                model.Parameters.Where(p => !p.IsCancellationToken).Select(p => p.Name), System.StringComparer.Ordinal);
            string Free(string name)
            {
                while (!taken.Add(name))
                {
                    name += "_";
                }

                return name;
            }

            return new HelperNames(Free("invocation"), Free("cancellationToken"), Free("result"));
        }
    }

    /// <summary>A member name for generated helpers, unique per step ("Train", "train_small").</summary>
    private static string Identifier(StepModel model) =>
        (model.Kind == StepKind.Pipeline ? "Pipeline_" : "Step_") +
        new string(model.Name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray()) + "_" +
        GeneratedText.StableHash(model.Name).ToString("x8", CultureInfo.InvariantCulture);

    private static string Local(string name) => "@" + name;

    internal static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    private static string? Boolean(bool? value) => value switch
    {
        true => "true",
        false => "false",
        null => null,
    };

    private static string Settings(SettingsModel settings)
    {
        var parts = new System.Collections.Generic.List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add(name + " = " + value);
            }
        }

        Add("Gpu", settings.Gpu is null ? null : Literal(settings.Gpu));
        Add("GpuCount", settings.GpuCount?.ToString(CultureInfo.InvariantCulture));
        Add("CpuCount", settings.CpuCount is { } cpu ? cpu.ToString("R", CultureInfo.InvariantCulture) + "d" : null);
        Add("Memory", settings.Memory is null ? null : Literal(settings.Memory));
        Add("Timeout", settings.Timeout?.ToString(CultureInfo.InvariantCulture));
        Add("Region", settings.Region is null ? null : Literal(settings.Region));
        Add("Cloud", settings.Cloud is null ? null : Literal(settings.Cloud));
        Add("ModalEnvironment", settings.ModalEnvironment is null ? null : Literal(settings.ModalEnvironment));
        Add("StepOperator", settings.StepOperator is null ? null : Literal(settings.StepOperator));
        Add("EnableCache", Boolean(settings.EnableCache));
        Add("MaxRetries", settings.MaxRetries?.ToString(CultureInfo.InvariantCulture));
        Add("RetryDelay", settings.RetryDelay is { } delay ? delay.ToString("R", CultureInfo.InvariantCulture) + "d" : null);
        Add("RetryBackoff", settings.RetryBackoff is { } backoff ? backoff.ToString("R", CultureInfo.InvariantCulture) + "d" : null);
        Add("RetryOnException", Boolean(settings.RetryOnException));
        return parts.Count == 0
            ? "new global::StepOperator.StepSettings()"
            : "new global::StepOperator.StepSettings { " + string.Join(", ", parts) + " }";
    }
}
