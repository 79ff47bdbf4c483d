namespace StepOperator.Generators;

/// <summary>Emits Main for a program that has a pipeline and no entry point of its own.</summary>
internal static class MainEmitter
{
    public static string Emit() =>
        new CodeWriter()
            .Line(CodeWriter.Header)
            .Open("namespace StepOperator.Generated")
            .Line("/// <summary>")
            .Line("/// The program's entry point: runs the pipeline (dotnet run), lists pipelines and steps (--help),")
            .Line("/// and runs single steps in child processes and containers. Turn it off with")
            .Line("/// &lt;StepOperatorGenerateMain&gt;false&lt;/StepOperatorGenerateMain&gt; and call")
            .Line("/// global::StepOperator.StepOperatorHost.RunAsync(args) from your own Main.")
            .Line("/// </summary>")
            .Line("[global::System.CodeDom.Compiler.GeneratedCode(\"StepOperator.Generators\", \"1.0\")]")
            .Open("internal static class StepOperatorProgram")
            .Line("public static global::System.Threading.Tasks.Task<int> Main(string[] args) =>")
            .Line("    global::StepOperator.StepOperatorHost.RunAsync(args);")
            .Close()
            .Close()
            .ToString();
}
