"""Order entry: spot and perp tickets, the position-mode toggle, leverage/margin controls and position actions."""
