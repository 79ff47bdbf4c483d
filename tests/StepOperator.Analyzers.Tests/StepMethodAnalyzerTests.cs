using Microsoft.CodeAnalysis.Testing;
using Verify = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.StepMethodAnalyzer, StepOperator.CodeFixes.MemoryCodeFixProvider>;

namespace StepOperator.Analyzers.Tests;

public class StepMethodAnalyzerTests
{
    [Fact]
    public Task Supported_shapes_report_nothing() =>
        Verify.AnalyzerAsync("""
            public sealed record Dataset(double[] X, int[] Y);
            public sealed record Model(double[] Weights);

            public static partial class Steps
            {
                [ModalStep(Gpu = "A100")]
                public static async Task<Model> Train(Dataset data, CancellationToken ct) { await Task.Yield(); return new Model(data.X); }

                [Step]
                public static Dataset Load() => new(new double[0], new int[0]);

                [Step]
                internal static ValueTask Report(Model model, Stream log, byte[] raw, params int[] extra) => default;

                [Step]
                public static void Log(string message) { }

                [Step]
                public static Task Wait(System.Collections.Generic.List<Model> models) => Task.CompletedTask;

                [Pipeline]
                public static async Task Run() { await Task.Yield(); }
            }

            public partial class InstanceSteps
            {
                [Step]
                public int Double(int x) => 2 * x;
            }

            public partial struct ValueSteps
            {
                [Step]
                public int Triple(int x) => 3 * x;
            }

            public static partial class Outer
            {
                internal static partial class Inner
                {
                    [Step]
                    public static int Nested(int x) => x;
                }
            }
            """);

    [Theory]
    [InlineData("public static T {|SOP101:Generic|}<T>(T x) => x;")]
    [InlineData("private static int {|SOP101:Hidden|}(int x) => x;")]
    [InlineData("protected static int {|SOP101:Guarded|}(int x) => x;")]
    [InlineData("public static async void {|SOP101:Fire|}() { await Task.Yield(); }")]
    public Task SOP101_unsupported_method_shapes(string method) =>
        Verify.AnalyzerAsync($$"""
            public partial class Steps
            {
                [Step]
                {{method}}
            }
            """);

    [Fact]
    public Task SOP101_step_in_a_generic_type() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps<T>
            {
                [ModalStep]
                public static int {|SOP101:Train|}(int x) => x;
            }
            """);

    [Fact]
    public Task SOP101_step_in_a_private_nested_type() =>
        Verify.AnalyzerAsync("""
            public static partial class Outer
            {
                private static partial class Inner
                {
                    [ModalStep]
                    public static int {|SOP101:Train|}(int x) => x;
                }
            }
            """);

    [Fact]
    public Task SOP101_step_in_a_file_local_type() =>
        Verify.AnalyzerAsync("""
            file static partial class Steps
            {
                [ModalStep]
                public static int {|SOP101:Train|}(int x) => x;
            }
            """);

    [Theory]
    [InlineData("public abstract partial class Steps { [Step] public int {|SOP101:Train|}(int x) => x; }")]
    [InlineData("public partial class Steps { private Steps() { } [Step] public int {|SOP101:Train|}(int x) => x; }")]
    [InlineData("public partial class Steps { public Steps(int seed) { } [Step] public int {|SOP101:Train|}(int x) => x; }")]
    [InlineData("public partial interface ISteps { [Step] int {|SOP101:Train|}(int x); }")]
    public Task SOP101_instance_method_without_a_usable_receiver(string source) =>
        Verify.AnalyzerAsync(source);

    [Fact]
    public Task SOP101_local_function() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                public static void Host()
                {
                    [ModalStep]
                    static int {|SOP101:Local|}(int x) => x;
                    Local(1);
                }
            }
            """);

    [Fact]
    public Task SOP101_lambda() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                public static Func<int, int> Host() => [ModalStep] {|#0:(int x)|} => x;
            }
            """,
            Verify.Diagnostic("SOP101").WithLocation(0).WithArguments("A lambda", "step", "generated code cannot call it. Move it to a method of a class."));

    [Fact]
    public Task SOP101_step_named_like_the_generated_Submit_class() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [Step(Name = "Submit2")]
                public static int {|#0:Submit|}(int x) => x;
            }

            public static partial class Other
            {
                [Step(Name = "Submit")]
                public static int Send(long x) => (int)x;
            }

            public static partial class Submit
            {
                [ModalStep]
                public static int {|#1:Train|}(int x) => x;
            }
            """,
            Verify.Diagnostic("SOP101").WithLocation(0).WithArguments(
                "Method 'Submit'", "step", "it has the name of the class 'Submit' the generator adds to 'Steps' for the step stubs. Rename the method; Name = \"Submit\" keeps the step's name."),
            Verify.Diagnostic("SOP101").WithLocation(1).WithArguments(
                "Method 'Train'", "step", "it is declared in a type named 'Submit'; the generator adds a nested class of that name for the step stubs, and a type cannot contain a member named like itself. Rename the type."));

    [Theory]
    [InlineData("public static void Submit(string job) { }")]
    [InlineData("public const int Submit = 1;")]
    [InlineData("public class Submit { }")]
    public Task SOP101_step_in_a_type_with_its_own_member_named_Submit(string member) =>
        Verify.AnalyzerAsync($$"""
            public static partial class Steps
            {
                {{member}}

                [Step]
                public static int {|#0:Train|}(int x) => x;
            }
            """,
            Verify.Diagnostic("SOP101").WithLocation(0).WithArguments(
                "Method 'Train'", "step", "it is declared in 'Steps', which has a member named 'Submit', and the generator adds a nested class of that name for the step stubs. Rename that member."));

    [Theory]
    [InlineData("[Step]\n    public static partial int Train(int x);\n    public static partial int Train(int x) => x;")]
    [InlineData("public static partial int Train(int x);\n    [Step]\n    public static partial int Train(int x) => x;")]
    public Task A_partial_method_is_one_step_not_two_with_the_same_name(string declarations) =>
        Verify.AnalyzerAsync("public static partial class Steps\n{\n    " + declarations + "\n}");

    [Fact]
    public Task SOP101_step_in_a_type_that_is_not_partial() =>
        Verify.AnalyzerAsync("""
            public static partial class Outer
            {
                public static class Steps
                {
                    [ModalStep]
                    public static int {|#0:Train|}(int x) => x;
                }
            }
            """,
            Verify.Diagnostic("SOP101").WithLocation(0).WithArguments(
                "Method 'Train'", "step", "it is declared in 'Steps', which is not partial, and the generator adds the step's Submit stub to it. Add the 'partial' modifier to 'Steps'."));

    [Fact]
    public Task SOP101_pipeline_may_take_only_a_cancellation_token() =>
        Verify.AnalyzerAsync("""
            public static class Pipelines
            {
                [Pipeline]
                public static Task Run(int {|SOP101:seed|}, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);

    [Fact]
    public Task SOP101_pipeline_shapes_are_checked_too() =>
        Verify.AnalyzerAsync("""
            public static partial class Pipelines
            {
                [Pipeline]
                private static void {|SOP101:Run|}() { }
            }
            """);

    [Theory]
    [InlineData("ref int {|SOP102:x|}")]
    [InlineData("out int {|SOP102:x|}")]
    [InlineData("in int {|SOP102:x|}")]
    [InlineData("Span<int> {|SOP102:x|}")]
    [InlineData("ReadOnlySpan<byte> {|SOP102:x|}")]
    public Task SOP102_unsupported_parameter_passing(string parameter) =>
        Verify.AnalyzerAsync($$"""
            public static partial class Steps
            {
                [Step]
                public static void Train({{parameter}}) { {{(parameter.StartsWith("out") ? "x = 0;" : "")}} }
            }
            """);

    [Fact]
    public Task SOP102_message_names_the_parameter_how_it_is_passed_and_the_fix() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [Step]
                public static void Train(int a, ref int {|#0:x|}, Span<int> {|#1:s|}) { }
            }
            """,
            Verify.Diagnostic("SOP102").WithLocation(0).WithArguments(
                "Parameter 'x' of step 'Train'", "is passed by reference (ref)", "Remove the modifier and return what the step produces"),
            Verify.Diagnostic("SOP102").WithLocation(1).WithArguments(
                "Parameter 's' of step 'Train'", "has type 'Span<int>'", "Use an array or a Stream instead"));

    [Fact]
    public Task SOP103_message_names_the_type_why_and_the_fix() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [ModalStep]
                public static {|#1:Func<int>|} Train(Action {|#0:f|}) => () => 1;
            }
            """,
            Verify.Diagnostic("SOP103").WithLocation(0).WithArguments(
                "Parameter 'f' of step 'Train' has type", "Action", "a delegate is code, not data", "Pass data: a serializable type, byte[] or Stream"),
            Verify.Diagnostic("SOP103").WithLocation(1).WithArguments(
                "Step 'Train' returns", "Func<int>", "a delegate is code, not data", "Return data: a serializable type, byte[] or Stream"));

    [Fact]
    public Task SOP102_ref_return() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                private static int _value;

                [Step]
                public static {|SOP102:ref int|} Train() => ref _value;
            }
            """);

    [Theory]
    [InlineData("Func<int> {|SOP103:f|}")]
    [InlineData("Action {|SOP103:f|}")]
    [InlineData("Type {|SOP103:f|}")]
    [InlineData("IntPtr {|SOP103:f|}")]
    [InlineData("Task<int> {|SOP103:f|}")]
    [InlineData("dynamic {|SOP103:f|}")]
    [InlineData("System.Collections.Generic.List<Action> {|SOP103:f|}")]
    [InlineData("Func<int>[] {|SOP103:f|}")]
    public Task SOP103_parameter_type_cannot_be_an_artifact(string parameter) =>
        Verify.AnalyzerAsync($$"""
            public static partial class Steps
            {
                [ModalStep]
                public static void Train({{parameter}}) { }
            }
            """);

    [Theory]
    [InlineData("{|SOP103:Func<int>|} Make() => () => 1;")]
    [InlineData("{|SOP103:Task<Task<int>>|} Make() => Task.FromResult(Task.FromResult(1));")]
    [InlineData("{|SOP103:Span<int>|} Make() => default;")]
    [InlineData("{|SOP103:CancellationToken|} Make() => default;")]
    [InlineData("async {|SOP103:Task<Action>|} Make() { await Task.Yield(); return () => { }; }")]
    public Task SOP103_return_type_cannot_be_an_artifact(string method) =>
        Verify.AnalyzerAsync($$"""
            public static partial class Steps
            {
                [ModalStep]
                public static {{method}}
            }
            """);

    [Fact]
    public Task SOP104_two_steps_with_the_same_method_name() =>
        Verify.AnalyzerAsync("""
            public static partial class A
            {
                [ModalStep]
                public static int {|#0:Train|}(int x) => x;
            }

            public static partial class B
            {
                [Step]
                public static int {|#1:Train|}(int x) => x;
            }
            """,
            Verify.Diagnostic("SOP104").WithLocation(0).WithLocation(1),
            Verify.Diagnostic("SOP104").WithLocation(1).WithLocation(0));

    [Fact]
    public Task SOP104_explicit_name_collides_with_a_method_name() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [ModalStep(Name = {|#0:"evaluate"|})]
                public static int Train(int x) => x;

                [Step]
                public static int {|#1:evaluate|}(int x) => x;
            }
            """,
            Verify.Diagnostic("SOP104").WithLocation(0).WithLocation(1).WithArguments("evaluate", "2"),
            Verify.Diagnostic("SOP104").WithLocation(1).WithLocation(0).WithArguments("evaluate", "2"));

    [Fact]
    public Task SOP101_a_step_marked_as_a_pipeline_too_names_both() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [Step, Pipeline]
                public static Task {|#0:Train|}() => Task.CompletedTask;
            }
            """,
            Verify.Diagnostic("SOP101").WithLocation(0).WithArguments("Method 'Train'", "step and a pipeline", "it is marked [Step] and [Pipeline]; keep one of them."));

    [Fact]
    public Task SOP101_both_step_and_modal_step_is_reported_once_and_not_as_a_duplicate_name() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [Step, ModalStep]
                public static int {|#0:Train|}(int x) => x;
            }
            """,
            Verify.Diagnostic("SOP101").WithLocation(0).WithArguments("Method 'Train'", "step", "it is marked [Step] and [ModalStep]; keep one of them."));

    [Fact]
    public Task SOP104_distinct_names_for_overloads_are_fine() =>
        Verify.AnalyzerAsync("""
            public static partial class Steps
            {
                [ModalStep(Name = "train-small")]
                public static int Train(int x) => x;

                [ModalStep(Name = "train-large")]
                public static int Train(long x) => (int)x;
            }
            """);
}
