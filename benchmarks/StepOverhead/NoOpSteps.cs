using StepOperator;

namespace StepOverhead;

/// <summary>
/// Twenty no-op steps in a chain: each takes the previous step's output, so they run one after
/// another and the pipeline's wall time is the sum of the per-step overheads.
/// </summary>
public static partial class NoOpSteps
{
    public const int Count = 20;

    [Step(EnableCache = false)]
    public static int Step01(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step02(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step03(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step04(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step05(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step06(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step07(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step08(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step09(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step10(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step11(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step12(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step13(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step14(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step15(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step16(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step17(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step18(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step19(int value) => value + 1;

    [Step(EnableCache = false)]
    public static int Step20(int value) => value + 1;

    /// <summary>The pipeline: each step's output passes to the next by reference; the last is awaited.</summary>
    [Pipeline]
    public static async Task Chain()
    {
        var s01 = Submit.Step01(0);
        var s02 = Submit.Step02(s01);
        var s03 = Submit.Step03(s02);
        var s04 = Submit.Step04(s03);
        var s05 = Submit.Step05(s04);
        var s06 = Submit.Step06(s05);
        var s07 = Submit.Step07(s06);
        var s08 = Submit.Step08(s07);
        var s09 = Submit.Step09(s08);
        var s10 = Submit.Step10(s09);
        var s11 = Submit.Step11(s10);
        var s12 = Submit.Step12(s11);
        var s13 = Submit.Step13(s12);
        var s14 = Submit.Step14(s13);
        var s15 = Submit.Step15(s14);
        var s16 = Submit.Step16(s15);
        var s17 = Submit.Step17(s16);
        var s18 = Submit.Step18(s17);
        var s19 = Submit.Step19(s18);
        var s20 = Submit.Step20(s19);
        Console.WriteLine($"result {await s20}");
    }

    /// <summary>The same twenty methods, called directly in this process.</summary>
    public static int Direct()
    {
        var value = 0;
        value = Step01(value);
        value = Step02(value);
        value = Step03(value);
        value = Step04(value);
        value = Step05(value);
        value = Step06(value);
        value = Step07(value);
        value = Step08(value);
        value = Step09(value);
        value = Step10(value);
        value = Step11(value);
        value = Step12(value);
        value = Step13(value);
        value = Step14(value);
        value = Step15(value);
        value = Step16(value);
        value = Step17(value);
        value = Step18(value);
        value = Step19(value);
        value = Step20(value);
        Console.WriteLine($"result {value}");
        return value;
    }
}
