using System.Linq;

namespace StepOperator.Generators;

/// <summary>
/// Emits the typed submission stubs of one type's steps: a nested <c>Submit</c> class whose methods
/// take the step's parameters as values or earlier steps' outputs and return the step's output.
/// </summary>
internal static class StubEmitter
{
    public static string FileName(StepModel model) =>
        "StepOperator.Stubs." + model.ContainingType.Replace("global::", string.Empty) + ".g.cs";

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
            code.Open($"partial {declaration.Keyword} {declaration.Name}");
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
        code.Line($"/// <summary>Runs step {Xml(step.Name)} on the stack; the output passes on by reference.</summary>");
        code.Line($"public static {returns} {Escape(step.MethodName)}({signature}) =>");
        code.Line($"    global::StepOperator.StepSubmission.{submit}({RegistrationEmitter.Literal(step.Name)}{(arguments.Length > 0 ? ", " + arguments : string.Empty)});");
    }

    private static string Escape(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    private static string Xml(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
