using System;

namespace StepOperator.Flavors;

/// <summary>
/// Names a flavor an assembly brings (<c>[assembly: Flavor(typeof(ModalStepOperatorFlavor))]</c>). A program that
/// references the assembly gets the flavor registered by the generated code when it starts, so a backend is
/// available exactly when its package is referenced. The type needs a public parameterless constructor.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class FlavorAttribute(Type flavorType) : Attribute
{
    public Type FlavorType { get; } = flavorType;
}
