"""The Gradio chat on top of ``qa``: ``ui.app`` wires it, ``ui.render`` formats answers."""
