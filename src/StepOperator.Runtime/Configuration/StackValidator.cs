using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Configuration;

/// <summary>
/// Checks a stack and the program's steps before any build or submission: every component registered and its flavor
/// installed, each flavor's own rules (<see cref="Flavor.CheckStack"/>: a remote step operator needs a remote artifact
/// store, a container registry it can pull from and an image builder), and <c>[ModalStep]</c> steps need the stack's
/// step operator, or the one they name. Each problem names the missing component and the command that fixes it.
/// </summary>
internal static class StackValidator
{
    public static IReadOnlyList<string> Validate(StackDefinition stack, StackConfiguration configuration, IReadOnlyList<StepDefinition> steps, IReadOnlyDictionary<string, StepSettings> settings)
    {
        var problems = new List<string>();
        var components = new Dictionary<ComponentType, ComponentDefinition>();
        foreach (var type in ComponentTypes.All)
        {
            if (stack.ComponentOf(type) is not { } name)
            {
                continue;
            }

            if (configuration.FindComponent(type, name) is { } component)
            {
                components[type] = component;
                continue;
            }

            var registered = configuration.Components(type).Select(c => c.Name).ToList();
            problems.Add(
                $"Stack '{stack.Name}' uses {type.CommandName()} '{name}', which is not registered " +
                $"(registered: {(registered.Count == 0 ? "none" : string.Join(", ", registered))}). " +
                $"Register it: {ProgramCommands.Prefix} {type.CommandName()} register {name} --flavor=<{string.Join("|", FlavorCatalog.KnownNames(type))}> ..., " +
                $"or choose another: {ProgramCommands.Prefix} stack update {stack.Name} {type.StackOption()} <name>.");
        }

        // Each flavor's own rules for the stack (a remote step operator's store and registry, an image builder for containers).
        var check = new StackCheck(stack, components);
        foreach (var (type, component) in components)
        {
            if (FlavorCatalog.Find(type, component.Flavor) is { } flavor)
            {
                problems.AddRange(flavor.CheckStack(check, component));
            }
            else
            {
                problems.Add(FlavorCatalog.Missing(type, component.Flavor, usedBy: $"Stack '{stack.Name}': {component.Describe()}"));
            }
        }

        foreach (var step in steps.Where(s => s.Placement == StepPlacement.Modal))
        {
            var wanted = settings.TryGetValue(step.Name, out var effective) ? effective.StepOperator : step.Settings.StepOperator;
            if (stack.StepOperator is null)
            {
                problems.Add(
                    $"Step '{step.Name}' is a [ModalStep], but stack '{stack.Name}' has no step operator. " +
                    $"Add one: {ProgramCommands.Prefix} stack update {stack.Name} -s {wanted ?? "<name>"}.");
            }
            else if (wanted is not null && !string.Equals(wanted, stack.StepOperator, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(
                    $"Step '{step.Name}' asks for step operator '{wanted}', but stack '{stack.Name}' has step operator '{stack.StepOperator}'. " +
                    $"Use it in the stack: {ProgramCommands.Prefix} stack update {stack.Name} -s {wanted}, or change the step's StepOperator.");
            }
        }

        return problems.Distinct(StringComparer.Ordinal).ToList();
    }
}
