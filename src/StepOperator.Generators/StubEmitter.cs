using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StepOperator.Generators;

/// <summary>
/// Emits the typed submission stubs of one type's steps: a nested <c>Submit</c> class whose methods
/// take the step's parameters as values or earlier steps' outputs and return the step's output.
/// </summary>
internal static class StubEmitter
{
    /// <summary>
    /// One file per type that declares steps, named after the type ("StepOperator.Stubs.Demo.Steps.g.cs").
    /// Hint names allow few characters and are compared ignoring case, so a name with other characters
    /// ("@class", "Ünï") or one that differs from another only in case gets a hash of its exact type.
    /// </summary>
    public static IEnumerable<StubFile> Files(IEnumerable<StepModel> steps)
    {
        // Two steps of one name and one stub signature in one type (a step name used twice, SOP104, by overloads that
        // differ only in a CancellationToken) get one stub: two would be one member declared twice (CS0111).
        var groups = steps
            .GroupBy(s => s.ContainingType, StringComparer.Ordinal)
            .Select(g => g.OrderBy(s => s.Name, StringComparer.Ordinal)
                .GroupBy(s => (s.Name, s.MethodName, Signature: StubSignature(s)))
                .Select(same => same.First())
                .ToEquatableArray())
            .ToList();
        var plain = groups.Select(g => g[0].ContainingType.Replace("global::", string.Empty)).ToList();
        var clashing = new HashSet<string>(
            plain.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key),
            StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < groups.Count; i++)
        {
            var name = plain[i];
            if (!name.All(IsHintNameCharacter) || clashing.Contains(name))
            {
                name = new string(name.Select(c => IsHintNameCharacter(c) ? c : '_').ToArray()) + "." +
                    GeneratedText.StableHash(groups[i][0].ContainingType).ToString("x8", CultureInfo.InvariantCulture);
            }

            yield return new StubFile("StepOperator.Stubs." + name + ".g.cs", groups[i]);
        }
    }

    private static string StubSignature(StepModel step) =>
        string.Join(",", step.Parameters.Where(p => !p.IsCancellationToken).Select(p => p.Type));

    private static bool IsHintNameCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    public static string Emit(EquatableArray<StepModel> steps)
    {
        var first = steps[0];
        var code = new CodeWriter();
        code.Line(CodeWriter.Header);
        if (first.Namespace is not null)
        {
            code.Open($"namespace {first.Namespace}");
        }

        foreach (var declaration in first.Declarations)
        {
            code.Open($"partial {declaration.Keyword} {GeneratedText.Identifier(declaration.Name)}");
        }

        code.Line("/// <summary>Submission stubs: call these from a [Pipeline] to run the steps on the stack.</summary>");
        code.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"StepOperator.Generators\", \"1.0\")]");
        code.Open("public static class Submit");
        var firstMember = true;
        foreach (var step in steps)
        {
            if (!firstMember)
            {
                code.Line();
            }

            firstMember = false;
            EmitStub(code, step);
        }

        code.Close();
        foreach (var _ in first.Declarations)
        {
            code.Close();
        }

        if (first.Namespace is not null)
        {
            code.Close();
        }

        return code.ToString();
    }

    private static void EmitStub(CodeWriter code, StepModel step)
    {
        var parameters = step.Parameters.Where(p => !p.IsCancellationToken).ToList();
        var signature = string.Join(", ", parameters.Select(p => $"global::StepOperator.StepInput<{p.Type}> @{p.Name}"));
        var arguments = string.Join(", ", parameters.Select(p => $"@{p.Name}.Bind({RegistrationEmitter.Literal(p.Name)})"));
        var returns = step.ResultType is null ? "global::StepOperator.StepOutput" : $"global::StepOperator.StepOutput<{step.ResultType}>";
        var submit = step.ResultType is null ? "Submit" : $"Submit<{step.ResultType}>";
        code.Line($"/// <summary>Runs step {GeneratedText.Xml(step.Name)} on the stack; the output passes on by reference.</summary>");

        // As accessible as the step: an internal step may take and return internal types.
        // A stub without inputs named like a method of object ("ToString") hides it, and must say so (CS0108, CS0114).
        var hides = parameters.Count == 0 && step.MethodName is "ToString" or "GetHashCode" or "GetType" or "MemberwiseClone";
        code.Line($"{(step.IsPublic ? "public" : "internal")} static {(hides ? "new " : string.Empty)}{returns} {GeneratedText.Identifier(step.MethodName)}({signature}) =>");
        code.Line($"    global::StepOperator.StepSubmission.{submit}({RegistrationEmitter.Literal(step.Name)}{(arguments.Length > 0 ? ", " + arguments : string.Empty)});");
    }
}
