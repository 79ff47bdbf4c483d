using System;
using System.Collections.Generic;
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
    /// <summary>Steps with more inputs than this get an entrypoint method of their own; the others go through StepEntrypoints.</summary>
    internal const int MaxHelperInputs = 8;

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

        // One small method per type that declares steps, rather than one method as long as the program's step list.
        var types = models.Where(m => m.Kind != StepKind.Pipeline)
            .GroupBy(m => m.ContainingType, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        foreach (var type in types)
        {
            code.Line(TypeMethod(type.Key) + "();");
        }

        foreach (var model in models.Where(m => m.Kind == StepKind.Pipeline))
        {
            code.Line("global::StepOperator.StepCatalog.Register(new global::StepOperator.PipelineDefinition(")
                .Line($"    {Literal(model.Name)}, {Literal(model.Method)}, {Identifier(model)}_Pipeline));");
        }

        code.Close();
        foreach (var type in types)
        {
            code.Line();
            code.Line($"/// <summary>Registers the steps of {GeneratedText.Xml(type.Key)}.</summary>");
            code.Open($"private static void {TypeMethod(type.Key)}()");
            foreach (var model in type)
            {
                RegisterStep(code, model);
            }

            code.Close();
        }

        foreach (var model in models)
        {
            if (model.Kind == StepKind.Pipeline)
            {
                code.Line();
                EmitPipeline(code, model);
            }
            else if (!UsesHelper(model))
            {
                code.Line();
                EmitEntrypoint(code, model);
            }
        }

        code.Close();
        code.Close();
        return code.ToString();
    }

    private static bool UsesHelper(StepModel model) => model.Parameters.Count(p => !p.IsCancellationToken) <= MaxHelperInputs;

    /// <summary>
    /// One call per step: its name, method and settings as data, and the step method bound by the StepEntrypoints
    /// helper of its shape (whose entrypoint also tells the registration its inputs and output).
    /// </summary>
    private static void RegisterStep(CodeWriter code, StepModel model)
    {
        var placement = model.Kind == StepKind.ModalStep ? "Modal" : "Orchestrator";
        code.Line($"global::StepOperator.Execution.StepEntrypoints.{placement}({Literal(model.Name)}, {Literal(model.Method)}, {Settings(model.Settings)},");
        code.Line($"    {(UsesHelper(model) ? HelperBinding(model) : "global::StepOperator.Execution.StepEntrypoints.FromEntrypoint(" + Identifier(model) + "_Entrypoint)")});");
    }

    /// <summary>
    /// <c>StepEntrypoints.TaskResult1C&lt;A, B&gt;(Type.Method, "a")</c>: the step as a method group when it is static
    /// and takes a CancellationToken last or not at all, else a lambda that creates the receiver (for each call) or puts
    /// the token where the step takes it. No lambda wraps the call: binding one per step was half the registration's
    /// compile time (measured in benchmarks/GeneratorBenchmarks).
    /// </summary>
    private static string HelperBinding(StepModel model)
    {
        var inputs = model.Parameters.Where(p => !p.IsCancellationToken).ToList();
        var tokens = model.Parameters.Count - inputs.Count;
        var withToken = tokens > 0;
        var shape = model.Return switch
        {
            ReturnKind.Void => "Void",
            ReturnKind.Task => "Task",
            ReturnKind.ValueTask => "ValueTask",
            ReturnKind.TaskOfT => "TaskResult",
            ReturnKind.ValueTaskOfT => "ValueTaskResult",
            _ => "Result",
        };
        var typeArguments = inputs.Select(p => p.Type).ToList();
        if (model.ResultType is not null)
        {
            typeArguments.Add(model.ResultType);
        }

        var method = GeneratedText.Identifier(model.MethodName);
        string step;
        if (model.IsStatic && (tokens == 0 || (tokens == 1 && model.Parameters[model.Parameters.Count - 1].IsCancellationToken)))
        {
            step = model.ContainingType + "." + method;
        }
        else
        {
            var lambdaParameters = new List<string>();
            var arguments = new List<string>();
            foreach (var parameter in model.Parameters)
            {
                if (parameter.IsCancellationToken)
                {
                    arguments.Add("token");
                }
                else
                {
                    lambdaParameters.Add("a" + (lambdaParameters.Count + 1).ToString(CultureInfo.InvariantCulture));
                    arguments.Add(lambdaParameters[lambdaParameters.Count - 1]);
                }
            }

            if (withToken)
            {
                lambdaParameters.Add("token");
            }

            step = $"static ({string.Join(", ", lambdaParameters)}) => {Receiver(model)}.{method}({string.Join(", ", arguments)})";
        }

        var generic = typeArguments.Count == 0 ? string.Empty : "<" + string.Join(", ", typeArguments) + ">";
        var inputNames = string.Concat(inputs.Select(p => ", " + Literal(p.Name)));
        return $"global::StepOperator.Execution.StepEntrypoints.{shape}{inputs.Count.ToString(CultureInfo.InvariantCulture)}{(withToken ? "C" : string.Empty)}{generic}({step}{inputNames})";
    }

    /// <summary>The entrypoint of a step with more inputs than the helpers take: a method of its own.</summary>
    private static void EmitEntrypoint(CodeWriter code, StepModel model)
    {
        var names = HelperNames.For(model);
        var parameters = model.Parameters.Where(p => !p.IsCancellationToken).ToList();
        code.Line($"/// <summary>Runs step {GeneratedText.Xml(model.Name)} ({GeneratedText.Xml(model.Method)}) inside its own process.</summary>");
        code.Open($"private static async global::System.Threading.Tasks.Task {Identifier(model)}_Entrypoint(global::StepOperator.StepInvocation {names.Invocation}, global::System.Threading.CancellationToken {names.CancellationToken})");
        code.Line($"if (global::StepOperator.Execution.StepEntrypoints.Describes({names.Invocation}, {(model.ResultTypeOfType is null ? "null" : $"typeof({model.ResultTypeOfType})")}, " +
            string.Join(", ", parameters.Select(p => $"new global::StepOperator.StepParameter({Literal(p.Name)}, typeof({p.TypeOfType}))")) + "))");
        code.Line("{").Line("    return;").Line("}").Line();
        foreach (var parameter in parameters)
        {
            code.Line($"var {Local(parameter.Name)} = await {names.Invocation}.ReadInputAsync<{parameter.Type}>({Literal(parameter.Name)}, {names.CancellationToken}).ConfigureAwait(false);");
        }

        var call = $"{Receiver(model)}.{GeneratedText.Identifier(model.MethodName)}({Arguments(model, names)})";
        switch (model.Return)
        {
            case ReturnKind.Void:
                code.Line(call + ";");
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

    /// <summary>The method that registers one type's steps ("Register_Demo_Steps_6964bb19").</summary>
    private static string TypeMethod(string containingType) =>
        "Register_" + new string(containingType.Replace("global::", string.Empty).Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray()) + "_" +
        GeneratedText.StableHash(containingType).ToString("x8", CultureInfo.InvariantCulture);

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
            var taken = new HashSet<string>(
                model.Parameters.Where(p => !p.IsCancellationToken).Select(p => p.Name), StringComparer.Ordinal);
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
        var parts = new List<string>();
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
        Add("CpuLimit", settings.CpuLimit is { } cpuLimit ? cpuLimit.ToString("R", CultureInfo.InvariantCulture) + "d" : null);
        Add("MemoryLimit", settings.MemoryLimit is null ? null : Literal(settings.MemoryLimit));
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
